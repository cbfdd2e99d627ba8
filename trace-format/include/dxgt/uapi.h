/* SPDX-License-Identifier: MIT */
/*
 * The argument structs of the WSL2 /dev/dxg interface, as dxgtrace models
 * them: the ioctl layer (the dxgkrnl UAPI, every request _IOWR(0x47, nr))
 * and the D3DKMT layer of libdxcore.so, which for these calls uses the same
 * x86-64 layout byte for byte. Pointers are carried as uint64_t so that the
 * layout does not depend on the compiling process, and no tool ever turns
 * one read from a trace back into a pointer.
 *
 * These are dxgtrace's own definitions, written from the public layout
 * facts in docs/interface.md. Every size and the offsets the descriptor list
 * relies on are pinned with _Static_assert below; a change that moves one
 * fails to compile. Handles are 32-bit (instance:6, index:24, unique:2) and
 * are kept as plain uint32_t.
 */
#ifndef DXGT_UAPI_H
#define DXGT_UAPI_H

#include <stddef.h>
#include <stdint.h>

struct dxgt_luid {
	uint32_t a;
	uint32_t b;
};

/* Element of enumadapters2/3 adapters[]. */
struct dxgt_adapterinfo {
	uint32_t adapter_handle;
	struct dxgt_luid adapter_luid;
	uint32_t num_sources;
	uint32_t present_move_regions_preferred;
};

struct dxgt_enumadapters2 {
	uint32_t num_adapters;
	uint32_t reserved;
	uint64_t adapters;
};

struct dxgt_closeadapter {
	uint32_t adapter_handle;
};

struct dxgt_openadapterfromluid {
	struct dxgt_luid adapter_luid;
	uint32_t adapter_handle;
};

struct dxgt_createdevice {
	uint64_t adapter; /* union with a kernel pointer; user mode fills the low handle */
	uint32_t flags;
	uint32_t device;
	uint64_t command_buffer;
	uint32_t command_buffer_size;
	uint32_t reserved;
	uint64_t allocation_list;
	uint32_t allocation_list_size;
	uint32_t reserved1;
	uint64_t patch_location_list;
	uint32_t patch_location_list_size;
	uint32_t reserved2;
};

struct dxgt_destroydevice {
	uint32_t device;
};

struct dxgt_createcontext {
	uint32_t device;
	uint32_t node_ordinal;
	uint32_t engine_affinity;
	uint32_t flags;
	uint64_t priv_drv_data;
	uint32_t priv_drv_data_size;
	uint32_t client_hint;
	uint32_t context;
	uint32_t pad0;
	uint64_t command_buffer;
	uint32_t command_buffer_size;
	uint32_t pad1;
	uint64_t allocation_list;
	uint32_t allocation_list_size;
	uint32_t pad2;
	uint64_t patch_location_list;
	uint32_t patch_location_list_size;
	uint32_t pad3;
	uint64_t obsolete;
};

struct dxgt_destroycontext {
	uint32_t context;
};

struct dxgt_createcontextvirtual {
	uint32_t device;
	uint32_t node_ordinal;
	uint32_t engine_affinity;
	uint32_t flags;
	uint64_t priv_drv_data;
	uint32_t priv_drv_data_size;
	uint32_t client_hint;
	uint32_t context;
	uint32_t pad0;
};

struct dxgt_createpagingqueue {
	uint32_t device;
	int32_t priority;
	uint32_t paging_queue;
	uint32_t sync_object;
	uint64_t fence_cpu_virtual_address;
	uint32_t physical_adapter_index;
	uint32_t pad0;
};

struct dxgt_destroypagingqueue {
	uint32_t paging_queue;
};

/* Element of createallocation allocation_info[]: holds its own buffer. */
struct dxgt_allocationinfo2 {
	uint32_t allocation;
	uint32_t pad0;
	uint64_t sysmem;
	uint64_t priv_drv_data;
	uint32_t priv_drv_data_size;
	uint32_t vidpn_source_id;
	uint32_t flags;
	uint32_t pad1;
	uint64_t gpu_virtual_address;
	uint64_t priority; /* u32 priority in a u64 union */
	uint64_t reserved[5];
};

struct dxgt_createstandardallocation {
	uint32_t type;
	uint32_t reserved;
	uint64_t existing_heap_size;
	uint32_t flags;
	uint32_t reserved1;
};

struct dxgt_createallocation {
	uint32_t device;
	uint32_t resource;
	uint32_t global_share;
	uint32_t reserved;
	uint64_t private_runtime_data;
	uint32_t private_runtime_data_size;
	uint32_t reserved1;
	uint64_t priv_drv_data; /* or standard_allocation, by flags.standard_allocation */
	uint32_t priv_drv_data_size;
	uint32_t alloc_count;
	uint64_t allocation_info;
	uint32_t flags;
	uint32_t reserved2;
	uint64_t private_runtime_resource_handle;
};

struct dxgt_destroyallocation2 {
	uint32_t device;
	uint32_t resource;
	uint64_t allocations;
	uint32_t alloc_count;
	uint32_t flags;
};

struct dxgt_makeresident {
	uint32_t paging_queue;
	uint32_t alloc_count;
	uint64_t allocation_list;
	uint64_t priority_list;
	uint32_t flags;
	uint32_t pad0;
	uint64_t paging_fence_value;
	uint64_t num_bytes_to_trim;
};

struct dxgt_evict {
	uint32_t device;
	uint32_t alloc_count;
	uint64_t allocations;
	uint32_t flags;
	uint32_t reserved;
	uint64_t num_bytes_to_trim;
};

/* Element of updategpuvirtualaddress operations[] (a tagged union). */
struct dxgt_updategpuva_op {
	uint32_t operation;
	uint32_t pad0;
	uint64_t base_address; /* source_address for COPY */
	uint64_t size;
	uint32_t allocation; /* dest_address low half for COPY, protection for UNMAP */
	uint32_t pad1;
	uint64_t allocation_offset;
	uint64_t allocation_size;
	uint64_t protection;
	uint64_t driver_protection;
};

struct dxgt_updategpuvirtualaddress {
	uint32_t device;
	uint32_t context;
	uint32_t fence_object;
	uint32_t num_operations;
	uint64_t operations;
	uint32_t reserved0;
	uint32_t reserved1;
	uint64_t reserved2;
	uint64_t fence_value;
	uint32_t flags;
	uint32_t reserved3;
};

struct dxgt_mapgpuvirtualaddress {
	uint32_t paging_queue;
	uint32_t pad0;
	uint64_t base_address;
	uint64_t minimum_address;
	uint64_t maximum_address;
	uint32_t allocation;
	uint32_t pad1;
	uint64_t offset_in_pages;
	uint64_t size_in_pages;
	uint64_t protection;
	uint64_t driver_protection;
	uint32_t reserved0;
	uint32_t pad2;
	uint64_t reserved1;
	uint64_t virtual_address;
	uint64_t paging_fence_value;
};

struct dxgt_reservegpuvirtualaddress {
	uint32_t adapter;
	uint32_t pad0;
	uint64_t base_address;
	uint64_t minimum_address;
	uint64_t maximum_address;
	uint64_t size;
	uint32_t reservation_type;
	uint32_t pad1;
	uint64_t driver_protection;
	uint64_t virtual_address;
	uint64_t paging_fence_value;
};

struct dxgt_freegpuvirtualaddress {
	uint32_t adapter;
	uint32_t reserved;
	uint64_t base_address;
	uint64_t size;
};

struct dxgt_queryvideomemoryinfo {
	uint64_t process;
	uint32_t adapter;
	uint32_t memory_segment_group;
	uint64_t budget;
	uint64_t current_usage;
	uint64_t current_reservation;
	uint64_t available_for_reservation;
	uint32_t physical_adapter_index;
	uint32_t pad0;
};

struct dxgt_queryadapterinfo {
	uint32_t adapter;
	uint32_t type;
	uint64_t private_data;
	uint32_t private_data_size;
	uint32_t pad0;
};

struct dxgt_escape {
	uint32_t adapter;
	uint32_t device;
	uint32_t type;
	uint32_t flags;
	uint64_t priv_drv_data;
	uint32_t priv_drv_data_size;
	uint32_t context;
};

struct dxgt_getdevicestate {
	uint32_t device;
	uint32_t state_type;
	uint64_t state[6]; /* union of the per-type state structs; the largest is 48 */
};

struct dxgt_submitcommand {
	uint64_t command_buffer;
	uint32_t command_length;
	uint32_t flags;
	uint64_t present_history_token;
	uint32_t broadcast_context_count;
	uint32_t broadcast_context[64];
	uint32_t reserved;
	uint64_t priv_drv_data;
	uint32_t priv_drv_data_size;
	uint32_t num_primaries;
	uint32_t written_primaries[16];
	uint32_t num_history_buffers;
	uint32_t reserved1;
	uint64_t history_buffer_array;
};

/* The sync object description shared by create2; a union of per-type data. */
struct dxgt_syncobjectinfo2 {
	uint32_t type;
	uint32_t flags;
	union {
		struct {
			uint64_t initial_fence_value;
			uint64_t fence_cpu_virtual_address;
			uint64_t fence_gpu_virtual_address;
			uint32_t engine_affinity;
		} monitored_fence;
		uint64_t reserved[8];
	} u;
	uint32_t shared_handle;
	uint32_t pad0;
};

struct dxgt_createsynchronizationobject2 {
	uint32_t device;
	uint32_t reserved;
	struct dxgt_syncobjectinfo2 info;
	uint32_t sync_object;
	uint32_t reserved1;
};

struct dxgt_signalsynchronizationobject2 {
	uint32_t context;
	uint32_t object_count;
	uint32_t object_array[32];
	uint32_t flags;
	uint32_t context_count;
	uint32_t contexts[64];
	uint64_t fence_value; /* first word of a reserved[8] union */
	uint64_t reserved[7];
};

struct dxgt_waitforsynchronizationobject2 {
	uint32_t context;
	uint32_t object_count;
	uint32_t object_array[32];
	uint64_t fence_value; /* first word of a reserved[8] union */
	uint64_t reserved[7];
};

struct dxgt_waitforsynchronizationobjectfromcpu {
	uint32_t device;
	uint32_t object_count;
	uint64_t objects;
	uint64_t fence_values;
	uint64_t async_event;
	uint32_t flags;
	uint32_t pad0;
};

struct dxgt_signalsynchronizationobjectfromcpu {
	uint32_t device;
	uint32_t object_count;
	uint64_t objects;
	uint64_t fence_values;
	uint32_t flags;
	uint32_t pad0;
};

struct dxgt_waitforsynchronizationobjectfromgpu {
	uint32_t context;
	uint32_t object_count;
	uint64_t objects;
	uint64_t monitored_fence_values; /* or one fence_value; reserved[8] union */
	uint64_t reserved[7];
};

struct dxgt_signalsynchronizationobjectfromgpu {
	uint32_t context;
	uint32_t object_count;
	uint64_t objects;
	uint64_t monitored_fence_values;
	uint64_t reserved[7];
};

struct dxgt_signalsynchronizationobjectfromgpu2 {
	uint32_t object_count;
	uint32_t reserved1;
	uint64_t objects;
	uint32_t flags;
	uint32_t context_count;
	uint64_t contexts;
	uint64_t fence_value; /* fence_value, cpu_event_handle or monitored_fence_values */
	uint64_t reserved[7];
};

struct dxgt_destroysynchronizationobject {
	uint32_t sync_object;
};

struct dxgt_opensynchronizationobject {
	uint32_t shared_handle;
	uint32_t sync_object;
	uint64_t reserved[8];
};

struct dxgt_submitcommandtohwqueue {
	uint32_t hwqueue;
	uint32_t reserved;
	uint64_t hwqueue_progress_fence_id;
	uint64_t command_buffer;
	uint32_t command_length;
	uint32_t priv_drv_data_size;
	uint64_t priv_drv_data;
	uint32_t num_primaries;
	uint32_t reserved1;
	uint64_t written_primaries;
};

/* set/get (in-process) context scheduling priority share this shape. */
struct dxgt_contextschedulingpriority {
	uint32_t context;
	int32_t priority;
};

struct dxgt_allocationpriority {
	uint32_t device;
	uint32_t resource;
	uint64_t allocation_list;
	uint32_t allocation_count;
	uint32_t reserved;
	uint64_t priorities;
};

struct dxgt_queryallocationresidency {
	uint32_t device;
	uint32_t resource;
	uint64_t allocations;
	uint32_t allocation_count;
	uint32_t reserved;
	uint64_t residency_status;
};

struct dxgt_lock2 {
	uint32_t device;
	uint32_t allocation;
	uint32_t flags;
	uint32_t reserved;
	uint64_t data;
};

struct dxgt_unlock2 {
	uint32_t device;
	uint32_t allocation;
};

struct dxgt_markdeviceaserror {
	uint32_t device;
	uint32_t reason;
};

struct dxgt_updateallocproperty {
	uint32_t paging_queue;
	uint32_t allocation;
	uint32_t supported_segment_set;
	uint32_t preferred_segment;
	uint32_t flags;
	uint32_t pad0;
	uint64_t paging_fence_value;
	uint32_t property_mask;
	uint32_t pad1;
};

struct dxgt_offerallocations {
	uint32_t device;
	uint32_t reserved;
	uint64_t resources;
	uint64_t allocations;
	uint32_t allocation_count;
	uint32_t priority;
	uint32_t flags;
	uint32_t reserved1;
};

struct dxgt_reclaimallocations2 {
	uint32_t paging_queue;
	uint32_t allocation_count;
	uint64_t resources;
	uint64_t allocations;
	uint64_t results;
	uint64_t paging_fence_value;
};

struct dxgt_changevideomemoryreservation {
	uint64_t process;
	uint32_t adapter;
	uint32_t memory_segment_group;
	uint64_t reservation;
	uint32_t physical_adapter_index;
	uint32_t pad0;
};

struct dxgt_createhwcontext {
	uint32_t device;
	uint32_t node_ordinal;
	uint32_t engine_affinity;
	uint32_t flags;
	uint32_t priv_drv_data_size;
	uint32_t pad0;
	uint64_t priv_drv_data;
	uint32_t context;
	uint32_t pad1;
};

struct dxgt_destroyhwcontext {
	uint32_t context;
};

struct dxgt_createhwqueue {
	uint32_t context;
	uint32_t flags;
	uint32_t priv_drv_data_size;
	uint32_t reserved;
	uint64_t priv_drv_data;
	uint32_t queue;
	uint32_t queue_progress_fence;
	uint64_t queue_progress_fence_cpu_va;
	uint64_t queue_progress_fence_gpu_va;
};

struct dxgt_destroyhwqueue {
	uint32_t queue;
};

struct dxgt_submitwaitforsyncobjectstohwqueue {
	uint32_t hwqueue;
	uint32_t object_count;
	uint64_t objects;
	uint64_t fence_values;
};

struct dxgt_submitsignalsyncobjectstohwqueue {
	uint32_t flags;
	uint32_t hwqueue_count;
	uint64_t hwqueues;
	uint32_t object_count;
	uint32_t reserved;
	uint64_t objects;
	uint64_t fence_values;
};

/* Packed in the UAPI: the clock data follows the three u32 without padding. */
#pragma pack(push, 1)
struct dxgt_queryclockcalibration {
	uint32_t adapter;
	uint32_t node_ordinal;
	uint32_t physical_adapter_index;
	uint64_t gpu_frequency;
	uint64_t gpu_clock_counter;
	uint64_t cpu_clock_counter;
	uint32_t clock_flags;
};
#pragma pack(pop)

struct dxgt_flushheaptransitions {
	uint32_t adapter;
};

struct dxgt_getsharedresourceadapterluid {
	uint32_t global_share;
	uint32_t pad0;
	uint64_t handle;
	struct dxgt_luid adapter_luid;
};

struct dxgt_invalidatecache {
	uint32_t device;
	uint32_t allocation;
	uint64_t offset;
	uint64_t length;
};

/* Element of openresource open_alloc_info[]: holds its own buffer. */
struct dxgt_openallocationinfo2 {
	uint32_t allocation;
	uint32_t pad0;
	uint64_t priv_drv_data;
	uint32_t priv_drv_data_size;
	uint32_t pad1;
	uint64_t gpu_va;
	uint64_t reserved[6];
};

struct dxgt_opensyncobjectfromnthandle2 {
	uint64_t nt_handle;
	uint32_t device;
	uint32_t flags;
	uint32_t sync_object;
	uint32_t reserved1;
	uint64_t fence_value_cpu_va; /* monitored_fence view of a reserved[8] union */
	uint64_t fence_value_gpu_va;
	uint32_t engine_affinity;
	uint32_t pad0;
	uint64_t reserved[5];
};

struct dxgt_openresource {
	uint32_t device;
	uint32_t global_share;
	uint32_t allocation_count;
	uint32_t pad0;
	uint64_t open_alloc_info;
	uint64_t private_runtime_data;
	int32_t private_runtime_data_size;
	uint32_t pad1;
	uint64_t resource_priv_drv_data;
	uint32_t resource_priv_drv_data_size;
	uint32_t pad2;
	uint64_t total_priv_drv_data;
	uint32_t total_priv_drv_data_size;
	uint32_t resource;
};

struct dxgt_openresourcefromnthandle {
	uint32_t device;
	uint32_t reserved;
	uint64_t nt_handle;
	uint32_t allocation_count;
	uint32_t reserved1;
	uint64_t open_alloc_info;
	int32_t private_runtime_data_size;
	uint32_t reserved2;
	uint64_t private_runtime_data;
	uint32_t resource_priv_drv_data_size;
	uint32_t reserved3;
	uint64_t resource_priv_drv_data;
	uint32_t total_priv_drv_data_size;
	uint32_t pad0;
	uint64_t total_priv_drv_data;
	uint32_t resource;
	uint32_t keyed_mutex;
	uint64_t keyed_mutex_private_data;
	uint32_t keyed_mutex_private_data_size;
	uint32_t sync_object;
};

struct dxgt_queryresourceinfofromnthandle {
	uint32_t device;
	uint32_t reserved;
	uint64_t nt_handle;
	uint64_t private_runtime_data;
	uint32_t private_runtime_data_size;
	uint32_t total_priv_drv_data_size;
	uint32_t resource_priv_drv_data_size;
	uint32_t allocation_count;
};

struct dxgt_queryresourceinfo {
	uint32_t device;
	uint32_t global_share;
	uint64_t private_runtime_data;
	uint32_t private_runtime_data_size;
	uint32_t total_priv_drv_data_size;
	uint32_t resource_priv_drv_data_size;
	uint32_t allocation_count;
};

struct dxgt_shareobjects {
	uint32_t object_count;
	uint32_t reserved;
	uint64_t objects;
	uint64_t object_attr;
	uint32_t desired_access;
	uint32_t reserved1;
	uint64_t shared_handle;
};

struct dxgt_enumadapters3 {
	uint64_t filter; /* bit 0 include_compute_only, bit 1 include_display_only */
	uint32_t adapter_count;
	uint32_t reserved;
	uint64_t adapters;
};

struct dxgt_querystatistics {
	uint32_t type;
	struct dxgt_luid adapter_luid;
	uint32_t pad0;
	uint64_t process;
	uint8_t result[0x308];
	uint8_t tail[0x328 - 0x308 - 24]; /* the UAPI sizes the union at 0x328 */
};

struct dxgt_shareobjectwithhost {
	uint32_t device_handle;
	uint32_t object_handle;
	uint64_t reserved;
	uint64_t object_vail_nt_handle;
};

struct dxgt_createsyncfile {
	uint32_t device;
	uint32_t monitored_fence;
	uint64_t fence_value;
	uint64_t sync_file_handle;
};

struct dxgt_waitsyncfile {
	uint64_t sync_file_handle;
	uint32_t context;
	uint32_t reserved;
};

struct dxgt_opensyncobjectfromsyncfile {
	uint64_t sync_file_handle;
	uint32_t device;
	uint32_t syncobj;
	uint64_t fence_value;
	uint64_t fence_value_cpu_va;
	uint64_t fence_value_gpu_va;
};

struct dxgt_enumprocesses {
	struct dxgt_luid adapter_luid;
	uint64_t buffer;
	uint64_t buffer_count;
};

struct dxgt_isfeatureenabled {
	uint32_t adapter;
	uint32_t feature_id;
	uint16_t result_version;
	uint16_t result_flags; /* bit 0 enabled, 1 known, 2 supported by driver, 3 on config */
};

/*
 * D3DKMT-layer structs that have no ioctl of their own shape (libdxcore
 * translates them or answers in user space). Windows x64 layout.
 */
struct dxgt_registertrimnotification {
	struct dxgt_luid adapter_luid;
	uint32_t device;
	uint32_t pad0;
	uint64_t callback;
	uint64_t context;
	uint64_t handle; /* out */
};

struct dxgt_unregistertrimnotification {
	uint64_t handle;
	uint64_t callback;
};

struct dxgt_render {
	uint32_t device; /* or context */
	uint32_t command_offset;
	uint32_t command_length;
	uint32_t allocation_count;
	uint32_t patch_location_count;
	uint32_t pad0;
	uint64_t new_command_buffer;
	uint32_t new_command_buffer_size;
	uint32_t pad1;
	uint64_t new_allocation_list;
	uint32_t new_allocation_list_size;
	uint32_t pad2;
	uint64_t new_patch_location_list;
	uint32_t new_patch_location_list_size;
	uint32_t flags;
	uint64_t present_history_token;
	uint32_t broadcast_context_count;
	uint32_t broadcast_context[64];
	uint32_t queued_buffer_count;
	uint64_t obsolete;
	uint64_t priv_drv_data;
	uint32_t priv_drv_data_size;
	uint32_t pad3;
};

/* D3DDDI_ALLOCATIONINFO, the element of the first CreateAllocation. */
struct dxgt_allocationinfo {
	uint32_t allocation;
	uint32_t pad0;
	uint64_t sysmem;
	uint64_t priv_drv_data;
	uint32_t priv_drv_data_size;
	uint32_t vidpn_source_id;
	uint32_t flags;
	uint32_t pad1;
};

struct dxgt_destroyallocation {
	uint32_t device;
	uint32_t resource;
	uint64_t allocations;
	uint32_t alloc_count;
	uint32_t pad0;
};

struct dxgt_enumadapters {
	uint32_t num_adapters;
	struct dxgt_adapterinfo adapters[16];
};

struct dxgt_createsynchronizationobject {
	uint32_t device;
	uint32_t type;
	uint32_t info[16]; /* per-type data union */
	uint32_t sync_object;
};

struct dxgt_waitforsynchronizationobject {
	uint32_t context;
	uint32_t object_count;
	uint32_t object_array[32];
};

struct dxgt_signalsynchronizationobject {
	uint32_t context;
	uint32_t object_count;
	uint32_t object_array[32];
	uint32_t flags;
};

struct dxgt_opensyncobjectfromnthandle {
	uint64_t nt_handle;
	uint32_t sync_object;
	uint32_t pad0;
};

/* The pinned layout: sizes, and every offset a descriptor row names. */
#define DXGT_PIN_SIZE(tag, n) _Static_assert(sizeof(struct dxgt_##tag) == (n), #tag " size")
#define DXGT_PIN_OFF(tag, f, n)                                                                    \
	_Static_assert(offsetof(struct dxgt_##tag, f) == (n), #tag "." #f " offset")

DXGT_PIN_SIZE(adapterinfo, 20);
DXGT_PIN_SIZE(enumadapters2, 16);
DXGT_PIN_SIZE(openadapterfromluid, 12);
DXGT_PIN_SIZE(createdevice, 64);
DXGT_PIN_OFF(createdevice, device, 12);
DXGT_PIN_SIZE(createcontext, 96);
DXGT_PIN_OFF(createcontext, context, 32);
DXGT_PIN_SIZE(createcontextvirtual, 40);
DXGT_PIN_OFF(createcontextvirtual, priv_drv_data, 16);
DXGT_PIN_OFF(createcontextvirtual, context, 32);
DXGT_PIN_SIZE(createpagingqueue, 32);
DXGT_PIN_OFF(createpagingqueue, fence_cpu_virtual_address, 16);
DXGT_PIN_SIZE(allocationinfo2, 96);
DXGT_PIN_OFF(allocationinfo2, priv_drv_data, 16);
DXGT_PIN_OFF(allocationinfo2, gpu_virtual_address, 40);
DXGT_PIN_SIZE(createallocation, 72);
DXGT_PIN_OFF(createallocation, allocation_info, 48);
DXGT_PIN_SIZE(destroyallocation2, 24);
DXGT_PIN_SIZE(makeresident, 48);
DXGT_PIN_SIZE(evict, 32);
DXGT_PIN_SIZE(updategpuva_op, 64);
DXGT_PIN_SIZE(updategpuvirtualaddress, 56);
DXGT_PIN_SIZE(mapgpuvirtualaddress, 104);
DXGT_PIN_OFF(mapgpuvirtualaddress, virtual_address, 88);
DXGT_PIN_SIZE(reservegpuvirtualaddress, 72);
DXGT_PIN_OFF(reservegpuvirtualaddress, virtual_address, 56);
DXGT_PIN_SIZE(freegpuvirtualaddress, 24);
DXGT_PIN_SIZE(queryvideomemoryinfo, 56);
DXGT_PIN_SIZE(queryadapterinfo, 24);
DXGT_PIN_SIZE(escape, 32);
DXGT_PIN_OFF(escape, priv_drv_data, 16);
DXGT_PIN_OFF(escape, priv_drv_data_size, 24);
DXGT_PIN_OFF(escape, context, 28);
DXGT_PIN_SIZE(getdevicestate, 56);
DXGT_PIN_SIZE(submitcommand, 384);
DXGT_PIN_OFF(submitcommand, priv_drv_data, 288);
DXGT_PIN_SIZE(syncobjectinfo2, 80);
DXGT_PIN_SIZE(createsynchronizationobject2, 96);
DXGT_PIN_OFF(createsynchronizationobject2, sync_object, 88);
DXGT_PIN_SIZE(signalsynchronizationobject2, 464);
DXGT_PIN_SIZE(waitforsynchronizationobject2, 200);
DXGT_PIN_SIZE(waitforsynchronizationobjectfromcpu, 40);
DXGT_PIN_SIZE(signalsynchronizationobjectfromcpu, 32);
DXGT_PIN_SIZE(waitforsynchronizationobjectfromgpu, 80);
DXGT_PIN_SIZE(signalsynchronizationobjectfromgpu, 80);
DXGT_PIN_SIZE(signalsynchronizationobjectfromgpu2, 96);
DXGT_PIN_SIZE(opensynchronizationobject, 72);
DXGT_PIN_SIZE(submitcommandtohwqueue, 56);
DXGT_PIN_SIZE(contextschedulingpriority, 8);
DXGT_PIN_SIZE(allocationpriority, 32);
DXGT_PIN_SIZE(queryallocationresidency, 32);
DXGT_PIN_SIZE(lock2, 24);
DXGT_PIN_OFF(lock2, data, 16);
DXGT_PIN_SIZE(unlock2, 8);
DXGT_PIN_SIZE(markdeviceaserror, 8);
DXGT_PIN_SIZE(updateallocproperty, 40);
DXGT_PIN_SIZE(offerallocations, 40);
DXGT_PIN_SIZE(reclaimallocations2, 40);
DXGT_PIN_SIZE(changevideomemoryreservation, 32);
DXGT_PIN_SIZE(createhwcontext, 40);
DXGT_PIN_SIZE(createhwqueue, 48);
DXGT_PIN_SIZE(submitwaitforsyncobjectstohwqueue, 24);
DXGT_PIN_SIZE(submitsignalsyncobjectstohwqueue, 40);
DXGT_PIN_SIZE(queryclockcalibration, 40);
DXGT_PIN_OFF(queryclockcalibration, gpu_frequency, 12);
DXGT_PIN_SIZE(getsharedresourceadapterluid, 24);
DXGT_PIN_SIZE(invalidatecache, 24);
DXGT_PIN_SIZE(openallocationinfo2, 80);
DXGT_PIN_SIZE(opensyncobjectfromnthandle2, 88);
DXGT_PIN_SIZE(openresource, 72);
DXGT_PIN_OFF(openresource, resource, 68);
DXGT_PIN_SIZE(openresourcefromnthandle, 104);
DXGT_PIN_SIZE(queryresourceinfofromnthandle, 40);
DXGT_PIN_SIZE(queryresourceinfo, 32);
DXGT_PIN_SIZE(shareobjects, 40);
DXGT_PIN_SIZE(enumadapters3, 24);
DXGT_PIN_SIZE(querystatistics, 0x328);
DXGT_PIN_SIZE(shareobjectwithhost, 24);
DXGT_PIN_SIZE(createsyncfile, 24);
DXGT_PIN_SIZE(waitsyncfile, 16);
DXGT_PIN_SIZE(opensyncobjectfromsyncfile, 40);
DXGT_PIN_SIZE(enumprocesses, 24);
DXGT_PIN_SIZE(isfeatureenabled, 12);
DXGT_PIN_SIZE(registertrimnotification, 40);
DXGT_PIN_SIZE(unregistertrimnotification, 16);
DXGT_PIN_SIZE(render, 368);
DXGT_PIN_OFF(render, priv_drv_data, 352);
DXGT_PIN_SIZE(allocationinfo, 40);
DXGT_PIN_SIZE(destroyallocation, 24);
DXGT_PIN_SIZE(enumadapters, 324);
DXGT_PIN_SIZE(createsynchronizationobject, 76);
DXGT_PIN_SIZE(waitforsynchronizationobject, 136);
DXGT_PIN_SIZE(signalsynchronizationobject, 140);
DXGT_PIN_SIZE(opensyncobjectfromnthandle, 16);

#endif /* DXGT_UAPI_H */
