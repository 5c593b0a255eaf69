/*
 * A one-function Node-API addon: bpf(cmd, attr_address, size) -> result or -errno.
 * The Linux backend prefers it to koffi on the hot path (map lookups and updates), where a
 * Node-API call costs less than koffi's generic FFI; without it (no compiler at install), the
 * backend falls back to koffi. The attr buffer is owned by JavaScript; only its address crosses.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <node_api.h>

static napi_value bpf_call(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3];
	int32_t cmd = 0;
	int64_t address = 0;
	uint32_t size = 0;
	napi_value out;
	long result;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 3 || napi_get_value_int32(env, argv[0], &cmd) != napi_ok ||
	    napi_get_value_int64(env, argv[1], &address) != napi_ok ||
	    napi_get_value_uint32(env, argv[2], &size) != napi_ok) {
		napi_throw_type_error(env, NULL, "bpf(cmd, attrAddress, size) takes three numbers");
		return NULL;
	}
	result = syscall(__NR_bpf, cmd, (void *)(intptr_t)address, size);
	napi_create_int32(env, result < 0 ? -errno : (int32_t)result, &out);
	return out;
}

NAPI_MODULE_INIT()
{
	napi_value fn;

	napi_create_function(env, "bpf", NAPI_AUTO_LENGTH, bpf_call, NULL, &fn);
	napi_set_named_property(env, exports, "bpf", fn);
	return exports;
}
