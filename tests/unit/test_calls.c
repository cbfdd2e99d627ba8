// SPDX-License-Identifier: MIT
/*
 * The call descriptor list checked against facts from outside it: the
 * request codes of the dxgkrnl UAPI (numbers and encoded sizes, as the
 * kernel header defines them for x86-64), the D3DKMT functions Intel's
 * OpenCL runtime requires, the vtable order of DXCore's three interfaces,
 * and the list's own invariants (unique ids and names, every handle, scalar
 * and length field inside its struct, every nested buffer with a length
 * rule, DXCore ids that are their interface's base plus the slot).
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <cmocka.h>

#include "dxgt/calls.h"
#include "dxgt/dxcore.h"
#include "trace_internal.h"

/* Every request of the WSL2 kernel's include/uapi/misc/d3dkmthk.h (0x01 to
 * 0x44) and of the newer sync-file, process and feature ioctls (0x45 to
 * 0x49), as full request values. */
static const struct {
	const char *name;
	uint32_t code;
} kernel_codes[] = {
    {"LX_DXOPENADAPTERFROMLUID", 0xc00c4701},
    {"LX_DXCREATEDEVICE", 0xc0404702},
    {"LX_DXCREATECONTEXT", 0xc0604703},
    {"LX_DXCREATECONTEXTVIRTUAL", 0xc0284704},
    {"LX_DXDESTROYCONTEXT", 0xc0044705},
    {"LX_DXCREATEALLOCATION", 0xc0484706},
    {"LX_DXCREATEPAGINGQUEUE", 0xc0204707},
    {"LX_DXRESERVEGPUVIRTUALADDRESS", 0xc0484708},
    {"LX_DXQUERYADAPTERINFO", 0xc0184709},
    {"LX_DXQUERYVIDEOMEMORYINFO", 0xc038470a},
    {"LX_DXMAKERESIDENT", 0xc030470b},
    {"LX_DXMAPGPUVIRTUALADDRESS", 0xc068470c},
    {"LX_DXESCAPE", 0xc020470d},
    {"LX_DXGETDEVICESTATE", 0xc038470e},
    {"LX_DXSUBMITCOMMAND", 0xc180470f},
    {"LX_DXCREATESYNCHRONIZATIONOBJECT", 0xc0604710},
    {"LX_DXSIGNALSYNCHRONIZATIONOBJECT", 0xc1d04711},
    {"LX_DXWAITFORSYNCHRONIZATIONOBJECT", 0xc0c84712},
    {"LX_DXDESTROYALLOCATION2", 0xc0184713},
    {"LX_DXENUMADAPTERS2", 0xc0104714},
    {"LX_DXCLOSEADAPTER", 0xc0044715},
    {"LX_DXCHANGEVIDEOMEMORYRESERVATION", 0xc0204716},
    {"LX_DXCREATEHWCONTEXT", 0xc0284717},
    {"LX_DXCREATEHWQUEUE", 0xc0304718},
    {"LX_DXDESTROYDEVICE", 0xc0044719},
    {"LX_DXDESTROYHWCONTEXT", 0xc004471a},
    {"LX_DXDESTROYHWQUEUE", 0xc004471b},
    {"LX_DXDESTROYPAGINGQUEUE", 0xc004471c},
    {"LX_DXDESTROYSYNCHRONIZATIONOBJECT", 0xc004471d},
    {"LX_DXEVICT", 0xc020471e},
    {"LX_DXFLUSHHEAPTRANSITIONS", 0xc004471f},
    {"LX_DXFREEGPUVIRTUALADDRESS", 0xc0184720},
    {"LX_DXGETCONTEXTINPROCESSSCHEDULINGPRIORITY", 0xc0084721},
    {"LX_DXGETCONTEXTSCHEDULINGPRIORITY", 0xc0084722},
    {"LX_DXGETSHAREDRESOURCEADAPTERLUID", 0xc0184723},
    {"LX_DXINVALIDATECACHE", 0xc0184724},
    {"LX_DXLOCK2", 0xc0184725},
    {"LX_DXMARKDEVICEASERROR", 0xc0084726},
    {"LX_DXOFFERALLOCATIONS", 0xc0284727},
    {"LX_DXOPENRESOURCE", 0xc0484728},
    {"LX_DXOPENSYNCHRONIZATIONOBJECT", 0xc0484729},
    {"LX_DXQUERYALLOCATIONRESIDENCY", 0xc020472a},
    {"LX_DXQUERYRESOURCEINFO", 0xc020472b},
    {"LX_DXRECLAIMALLOCATIONS2", 0xc028472c},
    {"LX_DXRENDER", 0xc170472d},
    {"LX_DXSETALLOCATIONPRIORITY", 0xc020472e},
    {"LX_DXSETCONTEXTINPROCESSSCHEDULINGPRIORITY", 0xc008472f},
    {"LX_DXSETCONTEXTSCHEDULINGPRIORITY", 0xc0084730},
    {"LX_DXSIGNALSYNCHRONIZATIONOBJECTFROMCPU", 0xc0204731},
    {"LX_DXSIGNALSYNCHRONIZATIONOBJECTFROMGPU", 0xc0504732},
    {"LX_DXSIGNALSYNCHRONIZATIONOBJECTFROMGPU2", 0xc0604733},
    {"LX_DXSUBMITCOMMANDTOHWQUEUE", 0xc0384734},
    {"LX_DXSUBMITSIGNALSYNCOBJECTSTOHWQUEUE", 0xc0284735},
    {"LX_DXSUBMITWAITFORSYNCOBJECTSTOHWQUEUE", 0xc0184736},
    {"LX_DXUNLOCK2", 0xc0084737},
    {"LX_DXUPDATEALLOCPROPERTY", 0xc0284738},
    {"LX_DXUPDATEGPUVIRTUALADDRESS", 0xc0384739},
    {"LX_DXWAITFORSYNCHRONIZATIONOBJECTFROMCPU", 0xc028473a},
    {"LX_DXWAITFORSYNCHRONIZATIONOBJECTFROMGPU", 0xc050473b},
    {"LX_DXGETALLOCATIONPRIORITY", 0xc020473c},
    {"LX_DXQUERYCLOCKCALIBRATION", 0xc028473d},
    {"LX_DXENUMADAPTERS3", 0xc018473e},
    {"LX_DXSHAREOBJECTS", 0xc028473f},
    {"LX_DXOPENSYNCOBJECTFROMNTHANDLE2", 0xc0584740},
    {"LX_DXQUERYRESOURCEINFOFROMNTHANDLE", 0xc0284741},
    {"LX_DXOPENRESOURCEFROMNTHANDLE", 0xc0684742},
    {"LX_DXQUERYSTATISTICS", 0xc3284743},
    {"LX_DXSHAREOBJECTWITHHOST", 0xc0184744},
    {"LX_DXCREATESYNCFILE", 0xc0184745},
    {"LX_DXWAITSYNCFILE", 0xc0104746},
    {"LX_DXOPENSYNCOBJECTFROMSYNCFILE", 0xc0284747},
    {"LX_DXENUMPROCESSES", 0xc0184748},
    {"LX_ISFEATUREENABLED", 0xc00c4749},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void every_kernel_request_has_a_row(void **state)
{
	(void)state;
	assert_int_equal(N(kernel_codes), 73);
	for (size_t i = 0; i < N(kernel_codes); i++) {
		uint32_t code = kernel_codes[i].code;
		const struct dxgt_call_desc *d = dxgt_call_by_ioctl(code);
		assert_non_null(d);
		assert_string_equal(d->ioctl_name, kernel_codes[i].name);
		assert_int_equal(d->id, _IOC_NR(code));
		/* The size encoded in the request is our struct's size. */
		assert_int_equal(_IOC_SIZE(code), d->ioctl_size);
		assert_int_equal(d->ioctl_code, code);
		assert_int_equal(_IOC_TYPE(code), DXGT_IOCTL_TYPE);
		assert_int_equal(_IOC_DIR(code), _IOC_READ | _IOC_WRITE);
	}
}

static void ids_and_names_are_unique(void **state)
{
	(void)state;
	size_t n = dxgt_call_count(), ioctls = 0;
	assert_true(n > 80);
	for (size_t i = 0; i < n; i++) {
		const struct dxgt_call_desc *a = dxgt_call_at(i);
		assert_int_equal(a->index, i);
		assert_ptr_equal(dxgt_call_by_id(a->id), a);
		assert_ptr_equal(dxgt_call_by_name(a->name), a);
		assert_true(a->kmt_name || a->ioctl_name || a->iface ||
			    a->id == DXGT_DXCORE_CREATE_FACTORY);
		/* The layers a call exists at are the ones with a size. */
		assert_int_equal(!!(a->layers & DXGT_LAYER_BIT(DXGT_LAYER_D3DKMT)), !!a->kmt_name);
		assert_int_equal(!!(a->layers & DXGT_LAYER_BIT(DXGT_LAYER_IOCTL)), !!a->ioctl_name);
		assert_int_equal(!!(a->layers & DXGT_LAYER_BIT(DXGT_LAYER_DXCORE)),
				 a->dxcore_size > 0);
		for (int l = DXGT_LAYER_NONE; l <= DXGT_LAYER_IOCTL + 1; l++)
			assert_int_equal(dxgt_call_args_size(a, (enum dxgt_layer)l) > 0,
					 l <= DXGT_LAYER_IOCTL &&
					     (a->layers & DXGT_LAYER_BIT(l)) != 0);
		if (a->ioctl_name) {
			ioctls++;
			assert_true(a->id >= 0x01 && a->id <= 0xff);
			assert_ptr_equal(dxgt_call_by_name(a->ioctl_name), a);
		} else {
			assert_true(a->id >= 0x100);
			assert_int_equal(a->ioctl_code, 0);
		}
		if (a->kmt_name)
			assert_ptr_equal(dxgt_call_by_name(a->kmt_name), a);
		for (size_t j = i + 1; j < n; j++) {
			const struct dxgt_call_desc *b = dxgt_call_at(j);
			assert_int_not_equal(a->id, b->id);
			assert_string_not_equal(a->name, b->name);
		}
	}
	assert_int_equal(ioctls, 73);
	assert_null(dxgt_call_at(n));
	assert_null(dxgt_call_by_id(0));
	assert_null(dxgt_call_by_id(0xffff));
	assert_null(dxgt_call_by_id(0x23d)); /* past IDXCoreAdapter's last slot */
	assert_null(dxgt_call_by_id(0x240));
	assert_null(dxgt_call_by_name("NoSuchCall"));
	assert_null(dxgt_call_by_ioctl(0xc0204800)); /* another ioctl type */
	assert_null(dxgt_call_by_ioctl(0xc020474f)); /* a number nobody defines */
}

static void check_field(uint32_t off, uint32_t size, uint32_t struct_size)
{
	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	assert_true(off + size <= struct_size);
}

static void check_scalar(const struct dxgt_field_desc *f, uint32_t struct_size)
{
	assert_true(f->fmt >= DXGT_FMT_DEC && f->fmt <= DXGT_FMT_GUID);
	if (f->fmt == DXGT_FMT_GUID) {
		assert_int_equal(f->size, 16);
		assert_true(f->off + 16 <= struct_size);
	} else {
		check_field(f->off, f->size, struct_size);
	}
	if (f->fmt == DXGT_FMT_LUID)
		assert_int_equal(f->size, 8);
}

static void check_bufs(const struct dxgt_buf_desc *bufs, uint16_t n, uint32_t size)
{
	for (uint16_t i = 0; i < n; i++) {
		const struct dxgt_buf_desc *b = &bufs[i];
		assert_true(b->ptr_off + 8 <= size);
		assert_true(b->dir == DXGT_DIR_IN || b->dir == DXGT_DIR_OUT ||
			    b->dir == DXGT_DIR_INOUT);
		assert_true(b->elem_size > 0);
		switch (b->rule) {
		case DXGT_LEN_FIELD:
			assert_int_equal(b->elem_size, 1);
			check_field(b->len_off, b->len_size, size);
			break;
		case DXGT_LEN_COUNT:
			check_field(b->len_off, b->len_size, size);
			break;
		case DXGT_LEN_FIXED:
			assert_true(b->fixed > 0);
			break;
		default:
			fail_msg("buffer %s has no length rule", b->name);
		}
		/* Handle arrays name a kind and a role; other buffers neither. */
		assert_int_equal(b->kind == DXGT_OBJ_NONE, b->role == DXGT_ROLE_NONE);
		if (b->kind != DXGT_OBJ_NONE)
			assert_int_equal(b->elem_size, 4);
		if (b->elem) {
			assert_int_equal(b->elem->size, b->elem_size);
			check_bufs(b->elem->bufs, b->elem->n_bufs, b->elem->size);
			for (uint16_t k = 0; k < b->elem->n_handles; k++)
				check_field(b->elem->handles[k].off, 4, b->elem->size);
			for (uint16_t k = 0; k < b->elem->n_volatiles; k++)
				check_field(b->elem->volatiles[k].off, b->elem->volatiles[k].size,
					    b->elem->size);
		}
	}
}

static void every_field_lies_inside_its_struct(void **state)
{
	(void)state;
	assert_int_equal(dxgt__calls_selfcheck(), 0);
	for (size_t i = 0; i < dxgt_call_count(); i++) {
		const struct dxgt_call_desc *d = dxgt_call_at(i);
		uint32_t size = d->ioctl_size ? d->ioctl_size
				: d->kmt_size ? d->kmt_size
					      : d->dxcore_size;
		assert_true(size > 0);
		if (d->ioctl_size && d->kmt_size)
			assert_int_equal(d->ioctl_size, d->kmt_size);
		/* No call is both a DXCore method and a D3DKMT or ioctl call. */
		assert_true(!d->dxcore_size || (!d->kmt_size && !d->ioctl_size));
		for (uint16_t k = 0; k < d->n_handles; k++) {
			const struct dxgt_handle_desc *h = &d->handles[k];
			assert_true(h->role != DXGT_ROLE_NONE && h->kind != DXGT_OBJ_NONE);
			assert_true(h->max >= 1);
			assert_true(h->off + (h->max - 1) * h->stride + 4 <= size);
			if (h->count_size)
				check_field(h->count_off, h->count_size, size);
		}
		for (uint16_t k = 0; k < d->n_volatiles; k++)
			check_field(d->volatiles[k].off, d->volatiles[k].size, size);
		for (uint16_t k = 0; k < d->n_scalars; k++)
			check_scalar(&d->scalars[k], size);
		check_bufs(d->bufs, d->n_bufs, size);
	}
}

static void escape_row_matches_the_report(void **state)
{
	(void)state;
	const struct dxgt_call_desc *d = dxgt_call_by_name("D3DKMTEscape");
	assert_non_null(d);
	assert_int_equal(d->id, 0x0d);
	assert_int_equal(d->ioctl_code, 0xc020470d);
	assert_true(d->flags & DXGT_CF_ESCAPE);
	assert_int_equal(d->kmt_size, 32);
	assert_int_equal(d->n_bufs, 1);
	assert_int_equal(d->bufs[0].ptr_off, 16);
	assert_int_equal(d->bufs[0].len_off, 24);
	assert_int_equal(d->bufs[0].dir, DXGT_DIR_INOUT);
	uint8_t args[32] = {0};
	args[24] = 0x38; /* 568 */
	args[25] = 0x02;
	uint64_t len = 0;
	assert_int_equal(dxgt_buf_len(&d->bufs[0], args, sizeof(args), &len), 0);
	assert_int_equal(len, 568);
	/* A length field outside the image is an error, not a read past it. */
	assert_int_not_equal(dxgt_buf_len(&d->bufs[0], args, 20, &len), 0);
	/* The second level: createallocation's elements carry their own buffer. */
	const struct dxgt_call_desc *ca = dxgt_call_by_name("CreateAllocation2");
	assert_non_null(ca->bufs[2].elem);
	assert_string_equal(ca->bufs[2].elem->name, "allocationinfo2");
	assert_int_equal(ca->bufs[2].elem->n_bufs, 1);
	assert_int_equal(ca->bufs[2].elem_size, 96);
}

static void count_rule_overflow_is_caught(void **state)
{
	(void)state;
	const struct dxgt_call_desc *d = dxgt_call_by_name("CreateAllocation2");
	const struct dxgt_buf_desc *b = &d->bufs[2];
	uint8_t args[72];
	memset(args, 0xff, sizeof(args));
	uint64_t len = 0;
	/* alloc_count is 32 bits: 0xffffffff * 96 fits in 64 bits. */
	assert_int_equal(dxgt_buf_len(b, args, sizeof(args), &len), 0);
	assert_true(len == 0xffffffffull * 96);
}

/* The D3DKMT functions Intel's compute runtime resolves and requires
 * before it will use a WSL adapter, and the ones it uses when present. */
static const char *const neo_required[] = {
    "D3DKMTOpenAdapterFromLuid",
    "D3DKMTCreateAllocation2",
    "D3DKMTDestroyAllocation2",
    "D3DKMTShareObjects",
    "D3DKMTQueryAdapterInfo",
    "D3DKMTCloseAdapter",
    "D3DKMTCreateDevice",
    "D3DKMTDestroyDevice",
    "D3DKMTEscape",
    "D3DKMTCreateContextVirtual",
    "D3DKMTDestroyContext",
    "D3DKMTOpenResource",
    "D3DKMTQueryResourceInfo",
    "D3DKMTCreateSynchronizationObject",
    "D3DKMTCreateSynchronizationObject2",
    "D3DKMTDestroySynchronizationObject",
    "D3DKMTSignalSynchronizationObject",
    "D3DKMTWaitForSynchronizationObject",
    "D3DKMTWaitForSynchronizationObjectFromCpu",
    "D3DKMTSignalSynchronizationObjectFromCpu",
    "D3DKMTWaitForSynchronizationObjectFromGpu",
    "D3DKMTSignalSynchronizationObjectFromGpu",
    "D3DKMTCreatePagingQueue",
    "D3DKMTDestroyPagingQueue",
    "D3DKMTLock2",
    "D3DKMTUnlock2",
    "D3DKMTMapGpuVirtualAddress",
    "D3DKMTReserveGpuVirtualAddress",
    "D3DKMTFreeGpuVirtualAddress",
    "D3DKMTUpdateGpuVirtualAddress",
    "D3DKMTSubmitCommand",
    "D3DKMTMakeResident",
    "D3DKMTEvict",
    "D3DKMTSetContextSchedulingPriority",
};
static const char *const also_listed[] = {
    "D3DKMTCreateAllocation",
    "D3DKMTOpenResourceFromNtHandle",
    "D3DKMTQueryResourceInfoFromNtHandle",
    "D3DKMTSetAllocationPriority",
    "D3DKMTGetDeviceState",
    "D3DKMTRegisterTrimNotification",
    "D3DKMTUnregisterTrimNotification",
    "D3DKMTEnumAdapters2",
    "D3DKMTEnumAdapters3",
    "D3DKMTCreateHwQueue",
    "D3DKMTDestroyHwQueue",
    "D3DKMTSubmitCommandToHwQueue",
    "D3DKMTCreateHwContext",
    "D3DKMTDestroyHwContext",
    "D3DKMTQueryVideoMemoryInfo",
    "D3DKMTQueryClockCalibration",
    "D3DKMTQueryStatistics",
    "D3DKMTCreateSyncFile",
    "D3DKMTWaitSyncFile",
    "D3DKMTOpenSyncObjectFromSyncFile",
    "D3DKMTOpenSyncObjectFromNtHandle2",
};

static void d3dkmt_functions_umds_call_are_listed(void **state)
{
	(void)state;
	assert_int_equal(N(neo_required), 34);
	for (size_t i = 0; i < N(neo_required); i++) {
		const struct dxgt_call_desc *d = dxgt_call_by_name(neo_required[i]);
		if (!d)
			fail_msg("%s is not in the descriptor list", neo_required[i]);
		assert_string_equal(d->kmt_name, neo_required[i]);
	}
	for (size_t i = 0; i < N(also_listed); i++) {
		const struct dxgt_call_desc *d = dxgt_call_by_name(also_listed[i]);
		if (!d || !d->kmt_name)
			fail_msg("%s is not in the descriptor list", also_listed[i]);
	}
}

/* DXCore's interfaces in vtable order, from its public interface
 * definition (DOMAIN.md section 8): every slot must have its row. */
static const struct {
	const char *iface;
	unsigned base;
	const char *methods[13];
} dxcore_ifaces[] = {
    {"IDXCoreAdapterFactory",
     DXGT_DXCORE_FACTORY_BASE,
     {"QueryInterface", "AddRef", "Release", "CreateAdapterList", "GetAdapterByLuid",
      "IsNotificationTypeSupported", "RegisterEventNotification", "UnregisterEventNotification"}},
    {"IDXCoreAdapterList",
     DXGT_DXCORE_LIST_BASE,
     {"QueryInterface", "AddRef", "Release", "GetAdapter", "GetAdapterCount", "IsStale",
      "GetFactory", "Sort", "IsAdapterPreferenceSupported"}},
    {"IDXCoreAdapter",
     DXGT_DXCORE_ADAPTER_BASE,
     {"QueryInterface", "AddRef", "Release", "IsValid", "IsAttributeSupported",
      "IsPropertySupported", "GetProperty", "GetPropertySize", "IsQueryStateSupported",
      "QueryState", "IsSetStateSupported", "SetState", "GetFactory"}},
};

/* Methods whose result is a count or a bool, not an HRESULT. */
static const char *const dxcore_value_methods[] = {
    "AddRef",
    "Release",
    "IsNotificationTypeSupported",
    "GetAdapterCount",
    "IsStale",
    "IsAdapterPreferenceSupported",
    "IsValid",
    "IsAttributeSupported",
    "IsPropertySupported",
    "IsQueryStateSupported",
    "IsSetStateSupported",
};

static void dxcore_rows_follow_the_vtables(void **state)
{
	(void)state;
	size_t rows = 0;
	for (size_t i = 0; i < dxgt_call_count(); i++) {
		const struct dxgt_call_desc *d = dxgt_call_at(i);
		if (!(d->layers & DXGT_LAYER_BIT(DXGT_LAYER_DXCORE)))
			continue;
		rows++;
		/* gen_exports makes a D3DKMT export of every row with a kmt_name. */
		assert_null(d->kmt_name);
		assert_null(d->ioctl_name);
		assert_int_equal(d->ioctl_code, 0);
		assert_int_equal(d->layers, DXGT_LAYER_BIT(DXGT_LAYER_DXCORE));
		assert_int_equal(d->slot, d->id & 0xf);
		assert_int_equal(dxgt_call_args_size(d, DXGT_LAYER_DXCORE), d->dxcore_size);
		assert_int_equal(dxgt_call_args_size(d, DXGT_LAYER_D3DKMT), 0);
		assert_int_equal(d->n_handles, 0);
		/* Every image starts with the object's address, but the export's. */
		if (d->id == DXGT_DXCORE_CREATE_FACTORY) {
			assert_null(d->iface);
			assert_string_equal(d->name, "DXCoreCreateAdapterFactory");
			assert_int_equal(d->dxcore_size, 32);
			continue;
		}
		assert_non_null(d->iface);
		assert_true(d->n_scalars > 0);
		assert_string_equal(d->scalars[0].name, "self");
		assert_int_equal(d->scalars[0].off, 0);
		assert_int_equal(d->scalars[0].size, 8);
		size_t n = strlen(d->iface);
		assert_memory_equal(d->name, d->iface, n);
		assert_memory_equal(d->name + n, "::", 2);
		bool value = false;
		for (size_t k = 0; k < N(dxcore_value_methods); k++)
			value = value || strcmp(d->name + n + 2, dxcore_value_methods[k]) == 0;
		assert_int_equal(!!(d->flags & DXGT_CF_VALUE), value);
	}
	size_t want = 1;
	for (size_t i = 0; i < N(dxcore_ifaces); i++) {
		for (unsigned slot = 0; slot < 13 && dxcore_ifaces[i].methods[slot]; slot++) {
			char name[96];
			snprintf(name, sizeof(name), "%s::%s", dxcore_ifaces[i].iface,
				 dxcore_ifaces[i].methods[slot]);
			const struct dxgt_call_desc *d = dxgt_call_by_name(name);
			if (!d)
				fail_msg("%s is not in the descriptor list", name);
			assert_int_equal(d->id, dxcore_ifaces[i].base + slot);
			assert_int_equal(d->slot, slot);
			assert_string_equal(d->iface, dxcore_ifaces[i].iface);
			want++;
		}
	}
	assert_int_equal(rows, want);
	assert_int_equal(want, 1 + 8 + 9 + 13);
	assert_ptr_equal(dxgt_call_by_name("idxcoreadapter::getproperty"), dxgt_call_by_id(0x236));
	assert_ptr_equal(dxgt_call_by_name("DXCoreCreateAdapterFactory"), dxgt_call_by_id(0x200));
}

static void dxcore_buffers_have_their_rules(void **state)
{
	(void)state;
	const struct dxgt_call_desc *d = dxgt_call_by_name("IDXCoreAdapter::GetProperty");
	assert_non_null(d);
	assert_int_equal(d->dxcore_size, 32);
	assert_int_equal(d->n_bufs, 1);
	assert_int_equal(d->bufs[0].ptr_off, 24);
	assert_int_equal(d->bufs[0].rule, DXGT_LEN_FIELD);
	assert_int_equal(d->bufs[0].len_off, 16);
	assert_int_equal(d->bufs[0].len_size, 8);
	assert_int_equal(d->bufs[0].dir, DXGT_DIR_OUT);
	struct dxgt_dxcore_getproperty gp = {0x1000, 2, 0, 18, 0x2000};
	uint64_t len = 0;
	assert_int_equal(dxgt_buf_len(&d->bufs[0], &gp, sizeof(gp), &len), 0);
	assert_int_equal(len, 18);

	d = dxgt_call_by_name("IDXCoreAdapterFactory::CreateAdapterList");
	assert_int_equal(d->n_bufs, 1);
	assert_int_equal(d->bufs[0].rule, DXGT_LEN_COUNT);
	assert_int_equal(d->bufs[0].elem_size, 16);
	assert_int_equal(d->bufs[0].dir, DXGT_DIR_IN);
	struct dxgt_dxcore_createadapterlist cl = {0};
	cl.num_attributes = 2;
	assert_int_equal(dxgt_buf_len(&d->bufs[0], &cl, sizeof(cl), &len), 0);
	assert_int_equal(len, 32);

	d = dxgt_call_by_name("IDXCoreAdapter::QueryState");
	assert_int_equal(d->n_bufs, 2);
	assert_int_equal(d->bufs[0].dir, DXGT_DIR_IN);
	assert_int_equal(d->bufs[1].dir, DXGT_DIR_OUT);
	d = dxgt_call_by_name("IDXCoreAdapter::SetState");
	assert_int_equal(d->n_bufs, 2);
	assert_int_equal(d->bufs[0].dir, DXGT_DIR_IN);
	assert_int_equal(d->bufs[1].dir, DXGT_DIR_IN);
	d = dxgt_call_by_name("IDXCoreAdapterList::Sort");
	assert_int_equal(d->n_bufs, 1);
	assert_int_equal(d->bufs[0].elem_size, 4);

	/* Out-pointers are recorded as the value the call stored. */
	d = dxgt_call_by_name("IDXCoreAdapterList::GetAdapter");
	bool object = false;
	for (uint16_t k = 0; k < d->n_volatiles; k++)
		object = object || strcmp(d->volatiles[k].name, "object") == 0;
	assert_true(object);
}

static void guids_and_hresults_have_names(void **state)
{
	(void)state;
	static const uint8_t adapter[16] = {0x7f, 0x4c, 0xdb, 0xf0, 0x5a, 0xfe, 0xa2, 0x42,
					    0xbd, 0x62, 0xf2, 0xa6, 0xcf, 0x6f, 0xc8, 0x3e};
	static const uint8_t other[16] = {0x78, 0x56, 0x34, 0x12, 0x01, 0x00, 0x02, 0x00,
					  3,	4,    5,    6,	  7,	8,    9,    10};
	char buf[40];
	assert_int_equal(dxgt_guid_known(adapter), DXGT_GUID_ADAPTER);
	assert_string_equal(dxgt_guid_text(adapter, buf, sizeof(buf)), "IID_IDXCoreAdapter");
	assert_int_equal(dxgt_guid_known(other), -1);
	assert_string_equal(dxgt_guid_text(other, buf, sizeof(buf)),
			    "12345678-0001-0002-0304-05060708090a");
	assert_string_equal(dxgt_guid_text(NULL, buf, sizeof(buf)), "NULL");
	char small[9];
	assert_string_equal(dxgt_guid_text(other, small, sizeof(small)), "12345678");
	struct dxgt_guid compute = {
	    0x248e2800, 0xa793, 0x4724, {0xab, 0xaa, 0x23, 0xa6, 0xde, 0x1b, 0xe0, 0x90}};
	assert_string_equal(dxgt_guid_text(&compute, buf, sizeof(buf)),
			    "DXCORE_ADAPTER_ATTRIBUTE_D3D12_CORE_COMPUTE");
	assert_string_equal(dxgt_hresult_name(0x80070057u), "E_INVALIDARG");
	assert_string_equal(dxgt_hresult_name(0), "S_OK");
	assert_string_equal(dxgt_hresult_name(0x887A0004u), "DXGI_ERROR_UNSUPPORTED");
	assert_null(dxgt_hresult_name(0xC0000023u));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_kernel_request_has_a_row),
	    cmocka_unit_test(ids_and_names_are_unique),
	    cmocka_unit_test(every_field_lies_inside_its_struct),
	    cmocka_unit_test(escape_row_matches_the_report),
	    cmocka_unit_test(count_rule_overflow_is_caught),
	    cmocka_unit_test(d3dkmt_functions_umds_call_are_listed),
	    cmocka_unit_test(dxcore_rows_follow_the_vtables),
	    cmocka_unit_test(dxcore_buffers_have_their_rules),
	    cmocka_unit_test(guids_and_hresults_have_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
