// CHDF5: libhdf5's C API plus a header-only shim exposing, as functions, the macros Swift cannot import.
#include <hdf5.h>

static inline hid_t ch5_p_default(void) { return H5P_DEFAULT; }
static inline hid_t ch5_s_all(void) { return H5S_ALL; }
static inline hid_t ch5_e_default(void) { return H5E_DEFAULT; }

static inline unsigned ch5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned ch5_f_acc_rdwr(void) { return H5F_ACC_RDWR; }
static inline unsigned ch5_f_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline unsigned ch5_f_acc_excl(void) { return H5F_ACC_EXCL; }

static inline hid_t ch5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t ch5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t ch5_native_int8(void) { return H5T_NATIVE_INT8; }
static inline hid_t ch5_native_uint8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t ch5_native_int32(void) { return H5T_NATIVE_INT32; }
static inline hid_t ch5_native_int64(void) { return H5T_NATIVE_INT64; }
static inline hid_t ch5_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline hid_t ch5_ieee_f64le(void) { return H5T_IEEE_F64LE; }
static inline hid_t ch5_std_i8le(void) { return H5T_STD_I8LE; }
static inline hid_t ch5_std_i32le(void) { return H5T_STD_I32LE; }
static inline hid_t ch5_std_i64le(void) { return H5T_STD_I64LE; }
static inline hid_t ch5_c_s1(void) { return H5T_C_S1; }
static inline size_t ch5_variable(void) { return H5T_VARIABLE; }
static inline haddr_t ch5_haddr_undef(void) { return HADDR_UNDEF; }

static inline hid_t ch5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t ch5_p_file_access(void) { return H5P_FILE_ACCESS; }

/// Turns off libhdf5's automatic error printing; Condense reports errors itself.
static inline void ch5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
