// SPDX-License-Identifier: MIT
/*
 * Intel's token format (intel_tokens.h): the ADAPTER_INFO schema the
 * profile loader describes adapters with, a writer and a checker.
 *
 * The schema lists the fields the mock can describe, with the token ids
 * NEO 22.43 (Debian 12's intel-opencl-icd) reads them by: its demarshaller
 * compares against these ids, and the ids match compute-runtime's generated
 * token list (shared/wsl_compute_helper/source/
 * wsl_compute_helper_types_tokens.h). docs/neo-wsl-path.md section 3.4 says
 * how each was established. A field missing here is left zero in the
 * runtime's copy, which is what a stream without its token means.
 *
 * The checker never reads outside the buffer it is given and bounds its
 * recursion, so it can be handed anything.
 */
#include "intel_tokens.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One schema row per field; the kind fixes the JSON value and the token. */
// clang-format off
#define BOOL(name, id) {name, id, DXGT_ITOK_BOOL, 1, NULL}
#define U8(name, id) {name, id, DXGT_ITOK_UINT, UINT8_MAX, NULL}
#define U16(name, id) {name, id, DXGT_ITOK_UINT, UINT16_MAX, NULL}
#define U32(name, id) {name, id, DXGT_ITOK_UINT, UINT32_MAX, NULL}
#define U64(name, id) {name, id, DXGT_ITOK_QWORD, 0, NULL}
#define GROUP(name, id, g) {name, id, DXGT_ITOK_GROUP, 0, &g}
#define ARRAY(name, id, max, g) {name, id, DXGT_ITOK_ARRAY, max, &g}
#define FLAGS(name, id, g) {name, id, DXGT_ITOK_FLAGS, 0, &g}
// clang-format on
#define DEFINE_GROUP(var, cname, fields)                                                           \
	static const struct dxgt_itok_group var = {cname, fields, N(fields)}

size_t dxgt__itok_struct_size(uint32_t id)
{
	switch (id) {
#define DXGT_ITOK_CASE(name, sid, bytes)                                                           \
	case sid:                                                                                  \
		return bytes;
		DXGT_ITOK_STRUCTS(DXGT_ITOK_CASE)
#undef DXGT_ITOK_CASE
	default:
		return 0;
	}
}

/* ---- PLATFORM ---- */

static const struct dxgt_itok_field platform_fields[] = {
    U32("eProductFamily", 3475),     /* PRODUCT_FAMILY, the kernel driver's numbering */
    U32("ePCHProductFamily", 3476),  /* PCH_PRODUCT_FAMILY */
    U32("eDisplayCoreFamily", 3477), /* GFXCORE_FAMILY */
    U32("eRenderCoreFamily", 3478),  /* GFXCORE_FAMILY: picks NEO's core helpers */
    U32("ePlatformType", 3479),	     /* PLATFORM_TYPE: desktop 1, mobile 2 */
    U16("usDeviceID", 3480),	     /* the PCI device id NEO names the device by */
    U16("usRevId", 3481),
    U16("usDeviceID_PCH", 3482),
    U16("usRevId_PCH", 3483),
    U32("eGTType", 3484), /* GTTYPE: GT1 0, GT2 1 */
};
DEFINE_GROUP(platform, "PLATFORM", platform_fields);

/* ---- SKU_FEATURE_TABLE: the features NEO 22.43 reads ---- */

static const struct dxgt_itok_field sku_fields[] = {
    BOOL("Ftr3dMidBatchPreempt", 590),
    BOOL("Ftr3dObjectLevelPreempt", 591),
    BOOL("FtrAstc3D", 728),
    BOOL("FtrAstcHdr2D", 727),
    BOOL("FtrAstcLdr2D", 726),
    BOOL("FtrCCSMultiInstance", 458),
    BOOL("FtrCCSNode", 457),
    BOOL("FtrCCSRing", 453),
    BOOL("FtrCameraCaptureCaching", 660),
    BOOL("FtrCentralCachePolicy", 619),
    BOOL("FtrChannelSwizzlingXOREnabled", 434),
    BOOL("FtrCrystalwell", 618),
    BOOL("FtrDesktop", 381),
    BOOL("FtrDisplayDisabled", 485),
    BOOL("FtrDisplayEngineS3d", 1124),
    BOOL("FtrDisplayXTiling", 653),
    BOOL("FtrDisplayYTiling", 937),
    BOOL("FtrDriverFLR", 681),
    BOOL("FtrE2ECompression", 634),
    BOOL("FtrEDram", 615),
    BOOL("FtrEnableGuC", 1224),
    BOOL("FtrFbc", 760),
    BOOL("FtrFbc2AddressTranslation", 761),
    BOOL("FtrFbcBlitterTracking", 762),
    BOOL("FtrFbcCpuTracking", 764),
    BOOL("FtrFlatPhysCCS", 647),
    BOOL("FtrFrameBufferLLC", 679),
    BOOL("FtrGpGpuMidBatchPreempt", 587),
    BOOL("FtrGpGpuMidThreadLevelPreempt", 589),
    BOOL("FtrGpGpuThreadGroupLevelPreempt", 588),
    BOOL("FtrGttCacheInvalidation", 632),
    BOOL("FtrIA32eGfxPTEs", 599),
    BOOL("FtrIoMmuPageFaulting", 622),
    BOOL("FtrKmdDaf", 668),
    BOOL("FtrL3IACoherency", 609),
    BOOL("FtrLCIA", 445),
    BOOL("FtrLLCBypass", 617),
    BOOL("FtrLinearCCS", 636),
    BOOL("FtrLocalMemory", 640),
    BOOL("FtrLocalMemoryAllows4KB", 652),
    BOOL("FtrMemTypeMocsDeferPAT", 600),
    BOOL("FtrMultiTileArch", 651),
    BOOL("FtrNullPages", 608),
    BOOL("FtrPPGTT", 598),
    BOOL("FtrPerCtxtPreemptionGranularityControl", 595),
    BOOL("FtrPml4Support", 601),
    BOOL("FtrPooledEuEnabled", 573),
    BOOL("FtrPpgtt64KBWalkOptimization", 642),
    BOOL("FtrRendComp", 934),
    BOOL("FtrResourceStreamer", 450),
    BOOL("FtrS3D", 1123),
    BOOL("FtrSGTPVSKUStrapPresent", 486),
    BOOL("FtrSVM", 603),
    BOOL("FtrSimulationMode", 1168),
    BOOL("FtrStandardMipTailFormat", 628),
    BOOL("FtrTileMappedResource", 605),
    BOOL("FtrTileY", 645),
    BOOL("FtrTranslationTable", 606),
    BOOL("FtrULT", 423),
    BOOL("FtrUserModeTranslationTable", 607),
    BOOL("FtrWddm2GpuMmu", 626),
    BOOL("FtrWddm2Svm", 627),
    BOOL("FtrWddm2_1_64kbPages", 630),
};
DEFINE_GROUP(sku, "SKU_FEATURE_TABLE", sku_fields);

/* ---- WA_TABLE: the workarounds of NEO's own table ---- */

static const struct dxgt_itok_field wa_fields[] = {
    BOOL("Wa4kAlignUVOffsetNV12LinearSurface", 2490),
    BOOL("WaAuxTable16KGranular", 2553),
    BOOL("WaCSRUncachable", 2099),
    BOOL("WaCompressedResourceRequiresConstVA21", 2387),
    BOOL("WaDisableEdramForDisplayRT", 2601),
    BOOL("WaDisableFusedThreadScheduling", 2132),
    BOOL("WaDisableLSQCROPERFforOCL", 1659),
    BOOL("WaDisablePerCtxtPreemptionGranularityControl", 1651),
    BOOL("WaDoNotUseMIReportPerfCount", 1562),
    BOOL("WaEnablePreemptionGranularityControlByUMD", 1652),
    BOOL("WaEncryptedEdramOnlyPartials", 2600),
    BOOL("WaFbcLinearSurfaceStride", 2486),
    BOOL("WaForcePcBbFullCfgRestore", 2062),
    BOOL("WaLLCCachingUnsupported", 2244),
    BOOL("WaLimit128BMediaCompr", 2602),
    BOOL("WaLosslessCompressionSurfaceStride", 2485),
    BOOL("WaModifyVFEStateAfterGPGPUPreemption", 2137),
    BOOL("WaMsaa8xTileYDepthPitchAlignment", 2207),
    BOOL("WaReportPerfCountUseGlobalContextID", 2061),
    BOOL("WaRestrictPitch128KB", 2169),
    BOOL("WaSamplerCacheFlushBetweenRedescribedSurfaceReads", 2606),
    BOOL("WaSendMIFLUSHBeforeVFE", 1644),
    BOOL("WaUntypedBufferCompression", 2603),
    BOOL("WaUseVAlign16OnTileXYBpp816", 2211),
};
DEFINE_GROUP(wa, "WA_TABLE", wa_fields);

/* ---- GT_SYSTEM_INFO ---- */

static const struct dxgt_itok_field subslice_fields[] = {
    BOOL("Enabled", 195),
    U32("EuEnabledCount", 196),
    U32("EuEnabledMask", 197),
};
DEFINE_GROUP(subslice, "GT_SUBSLICE_INFO", subslice_fields);

static const struct dxgt_itok_field dss_fields[] = {
    BOOL("Enabled", 198), ARRAY("SubSlice", 199, 2, subslice), /* GT_MAX_SUBSLICE_PER_DSS */
};
DEFINE_GROUP(dss, "GT_DUALSUBSLICE_INFO", dss_fields);

static const struct dxgt_itok_field slice_fields[] = {
    BOOL("Enabled", 200),
    ARRAY("SubSliceInfo", 201, 8, subslice), /* GT_MAX_SUBSLICE_PER_SLICE */
    ARRAY("DSSInfo", 202, 6, dss),	     /* GT_MAX_DUALSUBSLICE_PER_SLICE */
    U32("SubSliceEnabledCount", 203),
    U32("DualSubSliceEnabledCount", 204),
};
DEFINE_GROUP(slice, "GT_SLICE_INFO", slice_fields);

static const struct dxgt_itok_field ccs_instances_fields[] = {
    U32("CCSEnableMask", 263),
};
DEFINE_GROUP(ccs_instances, "GT_CCS_INFO.Instances", ccs_instances_fields);

static const struct dxgt_itok_field ccs_fields[] = {
    GROUP("Instances", 264, ccs_instances),
    U32("NumberOfCCSEnabled", 265),
    BOOL("IsValid", 266),
};
DEFINE_GROUP(ccs, "GT_CCS_INFO", ccs_fields);

static const struct dxgt_itok_field sqidi_fields[] = {
    U32("NumberofSQIDI", 279),
    U32("NumberofDoorbellPerSQIDI", 280),
};
DEFINE_GROUP(sqidi, "GT_SQIDI_INFO", sqidi_fields);

static const struct dxgt_itok_field cache_types_fields[] = {
    U32("CacheTypeMask", 285),
};
DEFINE_GROUP(cache_types, "GT_CACHE_TYPES", cache_types_fields);

static const struct dxgt_itok_field system_info_fields[] = {
    U32("EUCount", 299),
    U32("ThreadCount", 300),
    U32("SliceCount", 301),
    U32("SubSliceCount", 302),
    U32("DualSubSliceCount", 303),
    U64("L3CacheSizeInKb", 304),
    U64("LLCCacheSizeInKb", 305),
    U64("EdramSizeInKb", 306),
    U32("L3BankCount", 308),
    U32("MaxFillRate", 309),
    U32("EuCountPerPoolMax", 310),
    U32("EuCountPerPoolMin", 311),
    U32("TotalVsThreads", 312),
    U32("TotalHsThreads", 313),
    U32("TotalDsThreads", 314),
    U32("TotalGsThreads", 315),
    U32("TotalPsThreadsWindowerRange", 316),
    U32("TotalVsThreads_Pocs", 317),
    U32("CsrSizeInMb", 318),
    U32("MaxEuPerSubSlice", 319),
    U32("MaxSlicesSupported", 320),
    U32("MaxSubSlicesSupported", 321),
    U32("MaxDualSubSlicesSupported", 322),
    BOOL("IsL3HashModeEnabled", 323),
    ARRAY("SliceInfo", 324, 8, slice), /* GT_MAX_SLICE */
    BOOL("IsDynamicallyPopulated", 325),
    GROUP("SqidiInfo", 326, sqidi),
    U32("ReservedCCSWays", 327),
    GROUP("CCSInfo", 328, ccs),
    U32("NumThreadsPerEu", 336),
    GROUP("CacheTypes", 363, cache_types),
    U32("MaxVECS", 371),
};
DEFINE_GROUP(system_info, "GT_SYSTEM_INFO", system_info_fields);

/* ---- GMM_GFX_PARTITIONING ---- */

static const struct dxgt_itok_field range_fields[] = {
    U64("Base", 3532),
    U64("Limit", 3533),
};
DEFINE_GROUP(range, "GMM_GFX_PARTITIONING range", range_fields);

static const struct dxgt_itok_field partition_fields[] = {
    GROUP("Standard", 3534, range),
    GROUP("Standard64KB", 3535, range),
    GROUP("SVM", 3538, range),
    ARRAY("Heap32", 3540, 4, range),
};
DEFINE_GROUP(partition, "GMM_GFX_PARTITIONING", partition_fields);

/* ---- ADAPTER_INFO ---- */

static const struct dxgt_itok_field adapter_info_fields[] = {
    U32("KmdVersionInfo", 3548),
    GROUP("GfxPlatform", 3551, platform),
    FLAGS("SkuTable", 3552, sku),
    FLAGS("WaTable", 3553, wa),
    U32("GfxTimeStampFreq", 3555),
    U32("GfxCoreFrequency", 3556),
    U32("FSBFrequency", 3557),
    U32("MinRenderFreq", 3558),
    U32("MaxRenderFreq", 3559),
    U32("PackageTdp", 3560),
    U32("MaxFillRate", 3561),
    U32("NumberOfEUs", 3562),
    U32("dwReleaseTarget", 3563),
    U32("SizeOfDmaBuffer", 3564),
    U32("PatchLocationListSize", 3565),
    U32("AllocationListSize", 3566),
    U32("SmallPatchLocationListSize", 3567),
    U32("DefaultCmdBufferSize", 3568),
    U64("GfxMemorySize", 3569),
    U32("SystemMemorySize", 3570),
    U32("CacheLineSize", 3571),
    U32("ProcessorFamily", 3572),
    U8("IsHTSupported", 3573),
    U8("IsMutiCoreCpu", 3574),
    U8("IsVTDSupported", 3575),
    U32("RegistryPathLength", 3576),
    U64("DedicatedVideoMemory", 3577),
    U64("SystemSharedMemory", 3578),
    U64("SystemVideoMemory", 3579),
    GROUP("SystemInfo", 3585, system_info),
    GROUP("GfxPartition", 3588, partition),
};

const struct dxgt_itok_group dxgt__itok_adapter_info = {"ADAPTER_INFO", adapter_info_fields,
							N(adapter_info_fields)};

/* ---- writing ---- */

static void put32(struct dxgt_itok_writer *w, uint32_t v)
{
	if (!w->overflow && w->len <= w->cap && w->cap - w->len >= 4) {
		uint8_t *p = w->buf + w->len;
		p[0] = (uint8_t)v;
		p[1] = (uint8_t)(v >> 8);
		p[2] = (uint8_t)(v >> 16);
		p[3] = (uint8_t)(v >> 24);
	} else {
		w->overflow = true;
	}
	w->len += 4;
}

static uint32_t header(uint16_t id, uint8_t words, uint8_t flags)
{
	return (uint32_t)id | (uint32_t)words << 16 | (uint32_t)flags << 24;
}

void dxgt__itok_bool(struct dxgt_itok_writer *w, uint16_t id, bool v)
{
	put32(w, header(id, 0, v ? DXGT_ITOK_FLAG_VALUE : 0));
}

void dxgt__itok_dword(struct dxgt_itok_writer *w, uint16_t id, uint32_t v)
{
	put32(w, header(id, 1, 0));
	put32(w, v);
}

void dxgt__itok_qword(struct dxgt_itok_writer *w, uint16_t id, uint64_t v)
{
	put32(w, header(id, 2, 0));
	put32(w, (uint32_t)v);
	put32(w, (uint32_t)(v >> 32));
}

size_t dxgt__itok_open(struct dxgt_itok_writer *w, uint16_t id, uint32_t element)
{
	size_t mark = w->len;
	put32(w, header(id, 0, DXGT_ITOK_FLAG_VARIABLE));
	put32(w, element);
	put32(w, 0); /* value length, set by _close */
	put32(w, 0); /* padded length in words */
	return mark;
}

void dxgt__itok_close(struct dxgt_itok_writer *w, size_t mark)
{
	if (w->overflow)
		return;
	size_t bytes = w->len - mark - DXGT_ITOK_VAR_HEAD;
	struct dxgt_itok_writer at = {w->buf, w->cap, mark + 8, false};
	put32(&at, (uint32_t)bytes);
	put32(&at, (uint32_t)(bytes / 4));
}

/* ---- reading ---- */

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool check(const uint8_t *p, size_t len, unsigned depth, size_t *used)
{
	size_t off = 0, last = 0;
	while (off < len) {
		if (len - off < 4)
			return false;
		uint32_t h = get32(p + off);
		if (h == 0) { /* padding: a boolean token with id 0 */
			off += 4;
			continue;
		}
		uint32_t words = h >> 16 & 0xffu, flags = h >> 24;
		if (flags & DXGT_ITOK_FLAG_VARIABLE) {
			if (len - off < DXGT_ITOK_VAR_HEAD || depth >= DXGT_ITOK_MAX_DEPTH)
				return false;
			uint32_t vlen = get32(p + off + 8), padded = get32(p + off + 12);
			uint64_t room = (uint64_t)padded * 4;
			if (vlen % 4 || vlen > room || room > len - off - DXGT_ITOK_VAR_HEAD ||
			    !check(p + off + DXGT_ITOK_VAR_HEAD, vlen, depth + 1, NULL))
				return false;
			off += DXGT_ITOK_VAR_HEAD + (size_t)room;
		} else {
			size_t n = 4 + 4 * (size_t)words;
			if (len - off < n)
				return false;
			off += n;
		}
		last = off;
	}
	if (used)
		*used = last;
	return true;
}

bool dxgt__itok_check(const uint8_t *p, size_t len, size_t *used)
{
	if (!p && len)
		return false;
	return check(p, len, 0, used);
}
