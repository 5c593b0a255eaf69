/*
 * A one-function Node-API addon: bpf(cmd, attr_address, size) -> result or -errno.
 * The Linux backend prefers it to koffi on the hot path (map lookups and updates), where a
 * Node-API call costs less than koffi's generic FFI; without it (no compiler at install), the
 * backend falls back to koffi. The attr buffer is owned by JavaScript; only its address crosses.
 * bindAttr(address, size) returns a bpf(cmd) bound to one attr buffer, so the hot path converts
 * one argument instead of three; nop() is the floor, an empty Node-API call, for the bench notes.
 */
#include <errno.h>
#include <stdlib.h>
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

/* The attr buffer a bound bpf(cmd) passes: JavaScript keeps the buffer alive as long as the function. */
struct bound_attr {
	uint64_t address;
	uint32_t size;
};

static napi_value bound_call(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value argv[1];
	struct bound_attr *attr = NULL;
	int32_t cmd = 0;
	napi_value out;
	long result;

	napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&attr);
	if (argc < 1 || napi_get_value_int32(env, argv[0], &cmd) != napi_ok) {
		napi_throw_type_error(env, NULL, "bpf(cmd) takes a command number");
		return NULL;
	}
	result = syscall(__NR_bpf, cmd, (void *)(uintptr_t)attr->address, attr->size);
	napi_create_int32(env, result < 0 ? -errno : (int32_t)result, &out);
	return out;
}

static void free_bound_attr(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	free(data);
}

static napi_value bind_attr(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2];
	int64_t address = 0;
	uint32_t size = 0;
	struct bound_attr *attr;
	napi_value fn;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 2 || napi_get_value_int64(env, argv[0], &address) != napi_ok ||
	    napi_get_value_uint32(env, argv[1], &size) != napi_ok) {
		napi_throw_type_error(env, NULL, "bindAttr(attrAddress, size) takes two numbers");
		return NULL;
	}
	attr = malloc(sizeof(*attr));
	if (!attr) {
		napi_throw_error(env, NULL, "out of memory");
		return NULL;
	}
	attr->address = (uint64_t)address;
	attr->size = size;
	if (napi_create_function(env, "bpf", NAPI_AUTO_LENGTH, bound_call, attr, &fn) != napi_ok ||
	    napi_add_finalizer(env, fn, attr, free_bound_attr, NULL, NULL) != napi_ok) {
		free(attr);
		napi_throw_error(env, NULL, "cannot create the bound bpf() function");
		return NULL;
	}
	return fn;
}

static napi_value nop(napi_env env, napi_callback_info info)
{
	(void)env;
	(void)info;
	return NULL;
}

NAPI_MODULE_INIT()
{
	napi_value fn;

	napi_create_function(env, "bpf", NAPI_AUTO_LENGTH, bpf_call, NULL, &fn);
	napi_set_named_property(env, exports, "bpf", fn);
	napi_create_function(env, "bindAttr", NAPI_AUTO_LENGTH, bind_attr, NULL, &fn);
	napi_set_named_property(env, exports, "bindAttr", fn);
	napi_create_function(env, "nop", NAPI_AUTO_LENGTH, nop, NULL, &fn);
	napi_set_named_property(env, exports, "nop", fn);
	return exports;
}
