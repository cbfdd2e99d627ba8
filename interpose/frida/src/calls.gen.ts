// SPDX-License-Identifier: MIT
// GENERATED FILE, do not edit. Written by interpose/frida/gen_frida_table.c
// from the call descriptor list (trace-format/include/dxgt/calls.def); the
// ctest frida.table fails when it differs from the generator's output.
// Regenerate after changing calls.def:
//   cmake --build BUILD --target gen_frida_table
//   BUILD/interpose/frida/gen_frida_table interpose/frida/src/calls.gen.ts
//
// Every call that exists at the D3DKMT layer: its D3DKMT name, stable call
// id, argument struct size (Windows x64 layout), flags and nested buffers.
// A buffer's length: RULE_FIELD, the field at lenOff (lenSize bytes) holds
// the byte size; RULE_COUNT, it holds the element count (elemSize bytes
// each); RULE_FIXED, `fixed` elements. elem: the element type holding a
// second level of buffers, or null.

export interface BufDesc {
  field: string;
  ptrOff: number;
  rule: number;
  lenOff: number;
  lenSize: number;
  fixed: number;
  elemSize: number;
  dir: number;
  elem: ElemDesc | null;
}

export interface ElemDesc {
  name: string;
  size: number;
  bufs: BufDesc[];
}

export interface CallDesc {
  name: string;
  id: number;
  kmtSize: number;
  flags: number;
  bufs: BufDesc[];
}

export const RULE_FIELD = 1;
export const RULE_COUNT = 2;
export const RULE_FIXED = 3;
export const DIR_IN = 1;
export const DIR_OUT = 2;
export const CF_ESCAPE = 0x1;

const ELEM_allocationinfo2: ElemDesc = {
  name: "allocationinfo2",
  size: 96,
  bufs: [
    { field: "priv_drv_data", ptrOff: 16, rule: 1, lenOff: 24, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
  ],
};

const ELEM_adapterinfo: ElemDesc = {
  name: "adapterinfo",
  size: 20,
  bufs: [],
};

const ELEM_openallocationinfo2: ElemDesc = {
  name: "openallocationinfo2",
  size: 80,
  bufs: [
    { field: "priv_drv_data", ptrOff: 8, rule: 1, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 1, dir: 2, elem: null },
  ],
};

const ELEM_allocationinfo: ElemDesc = {
  name: "allocationinfo",
  size: 40,
  bufs: [
    { field: "priv_drv_data", ptrOff: 16, rule: 1, lenOff: 24, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
  ],
};

export const CALLS: CallDesc[] = [
  {
    name: "D3DKMTOpenAdapterFromLuid",
    id: 0x01,
    kmtSize: 12,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTCreateDevice",
    id: 0x02,
    kmtSize: 64,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTCreateContextVirtual",
    id: 0x04,
    kmtSize: 40,
    flags: 0x0,
    bufs: [
      { field: "priv_drv_data", ptrOff: 16, rule: 1, lenOff: 24, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTDestroyContext",
    id: 0x05,
    kmtSize: 4,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTCreateAllocation2",
    id: 0x06,
    kmtSize: 72,
    flags: 0x0,
    bufs: [
      { field: "private_runtime_data", ptrOff: 16, rule: 1, lenOff: 24, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
      { field: "priv_drv_data", ptrOff: 32, rule: 1, lenOff: 40, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
      { field: "allocation_info", ptrOff: 48, rule: 2, lenOff: 44, lenSize: 4, fixed: 0, elemSize: 96, dir: 3, elem: ELEM_allocationinfo2 },
    ],
  },
  {
    name: "D3DKMTCreatePagingQueue",
    id: 0x07,
    kmtSize: 32,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTReserveGpuVirtualAddress",
    id: 0x08,
    kmtSize: 72,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTQueryAdapterInfo",
    id: 0x09,
    kmtSize: 24,
    flags: 0x0,
    bufs: [
      { field: "private_data", ptrOff: 8, rule: 1, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 1, dir: 3, elem: null },
    ],
  },
  {
    name: "D3DKMTQueryVideoMemoryInfo",
    id: 0x0a,
    kmtSize: 56,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTMakeResident",
    id: 0x0b,
    kmtSize: 48,
    flags: 0x0,
    bufs: [
      { field: "allocation_list", ptrOff: 8, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "priority_list", ptrOff: 16, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTMapGpuVirtualAddress",
    id: 0x0c,
    kmtSize: 104,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTEscape",
    id: 0x0d,
    kmtSize: 32,
    flags: 0x1,
    bufs: [
      { field: "priv_drv_data", ptrOff: 16, rule: 1, lenOff: 24, lenSize: 4, fixed: 0, elemSize: 1, dir: 3, elem: null },
    ],
  },
  {
    name: "D3DKMTGetDeviceState",
    id: 0x0e,
    kmtSize: 56,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTSubmitCommand",
    id: 0x0f,
    kmtSize: 384,
    flags: 0x4,
    bufs: [
      { field: "priv_drv_data", ptrOff: 288, rule: 1, lenOff: 296, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
      { field: "history_buffer_array", ptrOff: 376, rule: 2, lenOff: 368, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTCreateSynchronizationObject2",
    id: 0x10,
    kmtSize: 96,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTSignalSynchronizationObject2",
    id: 0x11,
    kmtSize: 464,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTWaitForSynchronizationObject2",
    id: 0x12,
    kmtSize: 200,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTDestroyAllocation2",
    id: 0x13,
    kmtSize: 24,
    flags: 0x0,
    bufs: [
      { field: "allocations", ptrOff: 8, rule: 2, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTEnumAdapters2",
    id: 0x14,
    kmtSize: 16,
    flags: 0x0,
    bufs: [
      { field: "adapters", ptrOff: 8, rule: 2, lenOff: 0, lenSize: 4, fixed: 0, elemSize: 20, dir: 2, elem: ELEM_adapterinfo },
    ],
  },
  {
    name: "D3DKMTCloseAdapter",
    id: 0x15,
    kmtSize: 4,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTChangeVideoMemoryReservation",
    id: 0x16,
    kmtSize: 32,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTCreateHwContext",
    id: 0x17,
    kmtSize: 40,
    flags: 0x2,
    bufs: [
      { field: "priv_drv_data", ptrOff: 24, rule: 1, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTCreateHwQueue",
    id: 0x18,
    kmtSize: 48,
    flags: 0x0,
    bufs: [
      { field: "priv_drv_data", ptrOff: 16, rule: 1, lenOff: 8, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTDestroyDevice",
    id: 0x19,
    kmtSize: 4,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTDestroyHwContext",
    id: 0x1a,
    kmtSize: 4,
    flags: 0x2,
    bufs: [],
  },
  {
    name: "D3DKMTDestroyHwQueue",
    id: 0x1b,
    kmtSize: 4,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTDestroyPagingQueue",
    id: 0x1c,
    kmtSize: 4,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTDestroySynchronizationObject",
    id: 0x1d,
    kmtSize: 4,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTEvict",
    id: 0x1e,
    kmtSize: 32,
    flags: 0x0,
    bufs: [
      { field: "allocations", ptrOff: 8, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTFlushHeapTransitions",
    id: 0x1f,
    kmtSize: 4,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTFreeGpuVirtualAddress",
    id: 0x20,
    kmtSize: 24,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTGetContextInProcessSchedulingPriority",
    id: 0x21,
    kmtSize: 8,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTGetContextSchedulingPriority",
    id: 0x22,
    kmtSize: 8,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTGetSharedResourceAdapterLuid",
    id: 0x23,
    kmtSize: 24,
    flags: 0x2,
    bufs: [],
  },
  {
    name: "D3DKMTInvalidateCache",
    id: 0x24,
    kmtSize: 24,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTLock2",
    id: 0x25,
    kmtSize: 24,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTMarkDeviceAsError",
    id: 0x26,
    kmtSize: 8,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTOfferAllocations",
    id: 0x27,
    kmtSize: 40,
    flags: 0x0,
    bufs: [
      { field: "resources", ptrOff: 8, rule: 2, lenOff: 24, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "allocations", ptrOff: 16, rule: 2, lenOff: 24, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTOpenResource",
    id: 0x28,
    kmtSize: 72,
    flags: 0x2,
    bufs: [
      { field: "open_alloc_info", ptrOff: 16, rule: 2, lenOff: 8, lenSize: 4, fixed: 0, elemSize: 80, dir: 3, elem: ELEM_openallocationinfo2 },
      { field: "private_runtime_data", ptrOff: 24, rule: 1, lenOff: 32, lenSize: 4, fixed: 0, elemSize: 1, dir: 2, elem: null },
      { field: "resource_priv_drv_data", ptrOff: 40, rule: 1, lenOff: 48, lenSize: 4, fixed: 0, elemSize: 1, dir: 2, elem: null },
      { field: "total_priv_drv_data", ptrOff: 56, rule: 1, lenOff: 64, lenSize: 4, fixed: 0, elemSize: 1, dir: 2, elem: null },
    ],
  },
  {
    name: "D3DKMTOpenSynchronizationObject",
    id: 0x29,
    kmtSize: 72,
    flags: 0x2,
    bufs: [],
  },
  {
    name: "D3DKMTQueryAllocationResidency",
    id: 0x2a,
    kmtSize: 32,
    flags: 0x0,
    bufs: [
      { field: "allocations", ptrOff: 8, rule: 2, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "residency_status", ptrOff: 24, rule: 2, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 4, dir: 2, elem: null },
    ],
  },
  {
    name: "D3DKMTQueryResourceInfo",
    id: 0x2b,
    kmtSize: 32,
    flags: 0x2,
    bufs: [
      { field: "private_runtime_data", ptrOff: 8, rule: 1, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 1, dir: 2, elem: null },
    ],
  },
  {
    name: "D3DKMTReclaimAllocations2",
    id: 0x2c,
    kmtSize: 40,
    flags: 0x0,
    bufs: [
      { field: "resources", ptrOff: 8, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "allocations", ptrOff: 16, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "results", ptrOff: 24, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 4, dir: 2, elem: null },
    ],
  },
  {
    name: "D3DKMTRender",
    id: 0x2d,
    kmtSize: 368,
    flags: 0x2,
    bufs: [
      { field: "priv_drv_data", ptrOff: 352, rule: 1, lenOff: 360, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTSetAllocationPriority",
    id: 0x2e,
    kmtSize: 32,
    flags: 0x0,
    bufs: [
      { field: "allocation_list", ptrOff: 8, rule: 2, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "priorities", ptrOff: 24, rule: 2, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTSetContextInProcessSchedulingPriority",
    id: 0x2f,
    kmtSize: 8,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTSetContextSchedulingPriority",
    id: 0x30,
    kmtSize: 8,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTSignalSynchronizationObjectFromCpu",
    id: 0x31,
    kmtSize: 32,
    flags: 0x0,
    bufs: [
      { field: "objects", ptrOff: 8, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "fence_values", ptrOff: 16, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 8, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTSignalSynchronizationObjectFromGpu",
    id: 0x32,
    kmtSize: 80,
    flags: 0x4,
    bufs: [
      { field: "objects", ptrOff: 8, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "monitored_fence_values", ptrOff: 16, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 8, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTSignalSynchronizationObjectFromGpu2",
    id: 0x33,
    kmtSize: 96,
    flags: 0x4,
    bufs: [
      { field: "objects", ptrOff: 8, rule: 2, lenOff: 0, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "contexts", ptrOff: 24, rule: 2, lenOff: 20, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTSubmitCommandToHwQueue",
    id: 0x34,
    kmtSize: 56,
    flags: 0x4,
    bufs: [
      { field: "priv_drv_data", ptrOff: 32, rule: 1, lenOff: 28, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
      { field: "written_primaries", ptrOff: 48, rule: 2, lenOff: 40, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTSubmitSignalSyncObjectsToHwQueue",
    id: 0x35,
    kmtSize: 40,
    flags: 0x4,
    bufs: [
      { field: "hwqueues", ptrOff: 8, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "objects", ptrOff: 24, rule: 2, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "fence_values", ptrOff: 32, rule: 2, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 8, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTSubmitWaitForSyncObjectsToHwQueue",
    id: 0x36,
    kmtSize: 24,
    flags: 0x4,
    bufs: [
      { field: "objects", ptrOff: 8, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "fence_values", ptrOff: 16, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 8, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTUnlock2",
    id: 0x37,
    kmtSize: 8,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTUpdateAllocationProperty",
    id: 0x38,
    kmtSize: 40,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTUpdateGpuVirtualAddress",
    id: 0x39,
    kmtSize: 56,
    flags: 0x0,
    bufs: [
      { field: "operations", ptrOff: 16, rule: 2, lenOff: 12, lenSize: 4, fixed: 0, elemSize: 64, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTWaitForSynchronizationObjectFromCpu",
    id: 0x3a,
    kmtSize: 40,
    flags: 0x0,
    bufs: [
      { field: "objects", ptrOff: 8, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "fence_values", ptrOff: 16, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 8, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTWaitForSynchronizationObjectFromGpu",
    id: 0x3b,
    kmtSize: 80,
    flags: 0x4,
    bufs: [
      { field: "objects", ptrOff: 8, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "monitored_fence_values", ptrOff: 16, rule: 2, lenOff: 4, lenSize: 4, fixed: 0, elemSize: 8, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTGetAllocationPriority",
    id: 0x3c,
    kmtSize: 32,
    flags: 0x0,
    bufs: [
      { field: "allocation_list", ptrOff: 8, rule: 2, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "priorities", ptrOff: 24, rule: 2, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 4, dir: 2, elem: null },
    ],
  },
  {
    name: "D3DKMTQueryClockCalibration",
    id: 0x3d,
    kmtSize: 40,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTEnumAdapters3",
    id: 0x3e,
    kmtSize: 24,
    flags: 0x0,
    bufs: [
      { field: "adapters", ptrOff: 16, rule: 2, lenOff: 8, lenSize: 4, fixed: 0, elemSize: 20, dir: 2, elem: ELEM_adapterinfo },
    ],
  },
  {
    name: "D3DKMTShareObjects",
    id: 0x3f,
    kmtSize: 40,
    flags: 0x0,
    bufs: [
      { field: "objects", ptrOff: 8, rule: 2, lenOff: 0, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
      { field: "shared_handle", ptrOff: 32, rule: 3, lenOff: 0, lenSize: 0, fixed: 1, elemSize: 8, dir: 2, elem: null },
    ],
  },
  {
    name: "D3DKMTOpenSyncObjectFromNtHandle2",
    id: 0x40,
    kmtSize: 88,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTQueryResourceInfoFromNtHandle",
    id: 0x41,
    kmtSize: 40,
    flags: 0x0,
    bufs: [
      { field: "private_runtime_data", ptrOff: 16, rule: 1, lenOff: 24, lenSize: 4, fixed: 0, elemSize: 1, dir: 2, elem: null },
    ],
  },
  {
    name: "D3DKMTOpenResourceFromNtHandle",
    id: 0x42,
    kmtSize: 104,
    flags: 0x0,
    bufs: [
      { field: "open_alloc_info", ptrOff: 24, rule: 2, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 80, dir: 3, elem: ELEM_openallocationinfo2 },
      { field: "private_runtime_data", ptrOff: 40, rule: 1, lenOff: 32, lenSize: 4, fixed: 0, elemSize: 1, dir: 2, elem: null },
      { field: "resource_priv_drv_data", ptrOff: 56, rule: 1, lenOff: 48, lenSize: 4, fixed: 0, elemSize: 1, dir: 2, elem: null },
      { field: "total_priv_drv_data", ptrOff: 72, rule: 1, lenOff: 64, lenSize: 4, fixed: 0, elemSize: 1, dir: 2, elem: null },
      { field: "keyed_mutex_private_data", ptrOff: 88, rule: 1, lenOff: 96, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTQueryStatistics",
    id: 0x43,
    kmtSize: 808,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTShareObjectWithHost",
    id: 0x44,
    kmtSize: 24,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTCreateSyncFile",
    id: 0x45,
    kmtSize: 24,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTWaitSyncFile",
    id: 0x46,
    kmtSize: 16,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTOpenSyncObjectFromSyncFile",
    id: 0x47,
    kmtSize: 40,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTEnumProcesses",
    id: 0x48,
    kmtSize: 24,
    flags: 0x0,
    bufs: [
      { field: "buffer", ptrOff: 8, rule: 2, lenOff: 16, lenSize: 8, fixed: 0, elemSize: 4, dir: 2, elem: null },
    ],
  },
  {
    name: "D3DKMTIsFeatureEnabled",
    id: 0x49,
    kmtSize: 12,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTCreateAllocation",
    id: 0x100,
    kmtSize: 72,
    flags: 0x0,
    bufs: [
      { field: "private_runtime_data", ptrOff: 16, rule: 1, lenOff: 24, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
      { field: "priv_drv_data", ptrOff: 32, rule: 1, lenOff: 40, lenSize: 4, fixed: 0, elemSize: 1, dir: 1, elem: null },
      { field: "allocation_info", ptrOff: 48, rule: 2, lenOff: 44, lenSize: 4, fixed: 0, elemSize: 40, dir: 3, elem: ELEM_allocationinfo },
    ],
  },
  {
    name: "D3DKMTDestroyAllocation",
    id: 0x101,
    kmtSize: 24,
    flags: 0x0,
    bufs: [
      { field: "allocations", ptrOff: 8, rule: 2, lenOff: 16, lenSize: 4, fixed: 0, elemSize: 4, dir: 1, elem: null },
    ],
  },
  {
    name: "D3DKMTEnumAdapters",
    id: 0x102,
    kmtSize: 324,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTCreateSynchronizationObject",
    id: 0x103,
    kmtSize: 76,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTWaitForSynchronizationObject",
    id: 0x104,
    kmtSize: 136,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTSignalSynchronizationObject",
    id: 0x105,
    kmtSize: 140,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTOpenSyncObjectFromNtHandle",
    id: 0x106,
    kmtSize: 16,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTRegisterTrimNotification",
    id: 0x107,
    kmtSize: 40,
    flags: 0x0,
    bufs: [],
  },
  {
    name: "D3DKMTUnregisterTrimNotification",
    id: 0x108,
    kmtSize: 16,
    flags: 0x0,
    bufs: [],
  },
];
