/*
 * A one-function Node-API addon: bpf(cmd, attr_address, size) -> result or -errno.
 * The Linux backend prefers it to koffi on the hot path (map lookups and updates), where a
 * Node-API call costs less than koffi's generic FFI; without it (no compiler at install), the
 * backend falls back to koffi. The attr buffer is owned by JavaScript; only its address crosses.
 * bindAttr(address, size) returns a bpf(cmd) bound to one attr buffer, so the hot path converts
 * one argument instead of three; nop() is the floor, an empty Node-API call, for the bench notes.
 * readFile(path[, slab, offset, room]) reads a whole object file in one call, into a slab or a
 * buffer of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
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

/*
 * readFile(path[, slab, offset, room]) -> an ArrayBuffer of the whole file, or -errno, or 0 for a
 * file it leaves to the caller (not a regular file, empty, over 1 GiB, or changing size while read).
 * open, fstat, read, close in one call: Node pays its return from the kernel (a TLB refill under
 * PTI) once instead of per syscall, and the bytes land where they stay with no copy. Object files
 * are read this way. With a slab (an ArrayBuffer the caller carves small files from) a file of at
 * most `room` bytes goes to byte `offset` of it, and the result is its length (> 0): a new
 * ArrayBuffer per file costs V8 more than the read itself. A larger file gets a buffer of its own.
 */
static napi_value read_file(napi_env env, napi_callback_info info)
{
	size_t argc = 4;
	napi_value argv[4];
	char path[PATH_MAX];
	uint8_t *slab = NULL;
	size_t slab_length = 0;
	uint32_t offset = 0;
	uint32_t room = 0;
	size_t path_length = 0;
	struct stat st;
	napi_value out = NULL;
	void *data = NULL;
	int64_t result = 0;
	size_t total = 0;
	int fd;

	napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
	if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof(path), &path_length) != napi_ok) {
		napi_throw_type_error(env, NULL, "readFile(path[, slab, offset, room]) takes a string");
		return NULL;
	}
	if (argc >= 4 && (napi_get_arraybuffer_info(env, argv[1], (void **)&slab, &slab_length) != napi_ok ||
			  napi_get_value_uint32(env, argv[2], &offset) != napi_ok ||
			  napi_get_value_uint32(env, argv[3], &room) != napi_ok || offset > slab_length ||
			  room > slab_length - offset)) {
		napi_throw_type_error(env, NULL, "readFile(path, slab, offset, room) takes a range inside an ArrayBuffer");
		return NULL;
	}
	if (path_length >= sizeof(path) - 1) {
		result = -ENAMETOOLONG;
		goto number;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		result = -errno;
		goto number;
	}
	if (fstat(fd, &st) < 0) {
		result = -errno;
	} else if (S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size <= (1 << 30)) {
		if (slab != NULL && (size_t)st.st_size <= room)
			data = slab + offset;
		else if (napi_create_arraybuffer(env, (size_t)st.st_size, &data, &out) != napi_ok)
			data = NULL;
		while (data != NULL && total < (size_t)st.st_size) {
			ssize_t n = read(fd, (uint8_t *)data + total, (size_t)st.st_size - total);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				result = -errno;
				break;
			}
			if (n == 0)
				break;
			total += (size_t)n;
		}
	}
	close(fd);
	/* a file that shrank meanwhile (total short of st_size) is left to the caller, as 0 */
	if (data != NULL && result == 0 && total == (size_t)st.st_size) {
		if (out != NULL)
			return out;
		result = (int64_t)total; /* read into the slab */
	}
number:
	napi_create_int64(env, result, &out);
	return out;
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
	napi_create_function(env, "readFile", NAPI_AUTO_LENGTH, read_file, NULL, &fn);
	napi_set_named_property(env, exports, "readFile", fn);
	napi_create_function(env, "nop", NAPI_AUTO_LENGTH, nop, NULL, &fn);
	napi_set_named_property(env, exports, "nop", fn);
	return exports;
}
