/*
 * slab() -> an ArrayBuffer of SLAB_SIZE bytes whose memory comes back here when V8 frees it.
 *
 * read-file.ts carves small object files from 256 KiB slabs. A new ArrayBuffer per slab is new
 * memory: on this kind of guest its first touch cost about one page fault an open, and 2–3 µs
 * more system time an open than recycled memory. Here a dead slab's
 * memory goes onto a free list from V8's backing-store deleter (which V8 may call on any thread,
 * during or after a scavenge), and the next slab() takes the most recently freed one, still mapped
 * and warm. Node-API's external ArrayBuffers cannot do this: their finalizers wait for the event
 * loop, which a synchronous loop of opens never reaches. This file uses only v8::BackingStore,
 * stable since V8 8, and is built against the running Node's headers like any addon.
 */
#include <node.h>
#include <stdlib.h>
#include <string.h>

#include <mutex>
#include <vector>

namespace {

constexpr size_t SLAB_SIZE = 256 * 1024;
/* at most this many dead slabs wait for reuse (16 MiB); more go back to the allocator */
constexpr size_t MOST_KEPT = 64;

/* never destroyed: V8 may call the deleter while the process exits, after static destructors */
std::mutex &free_lock = *new std::mutex();
/* room reserved up front: the deleter never allocates */
std::vector<void *> *free_slabs = [] {
	auto *slabs = new std::vector<void *>();
	slabs->reserve(MOST_KEPT);
	return slabs;
}();

void give_back(void *data, size_t, void *)
{
	std::lock_guard<std::mutex> hold(free_lock);
	if (free_slabs->size() < MOST_KEPT) {
		free_slabs->push_back(data);
		return;
	}
	free(data);
}

void *take_slab()
{
	{
		std::lock_guard<std::mutex> hold(free_lock);
		if (!free_slabs->empty()) {
			/*
			 * Not zeroed: each file read into a slab overwrites its whole range, so only bytes
			 * between and after the files keep what earlier files of this process left there, as in
			 * Node's Buffer pool. Zeroing cost an open about 1 µs, on memory the read writes anyway.
			 */
			void *data = free_slabs->back();
			free_slabs->pop_back();
			return data;
		}
	}
	void *data = nullptr;
	if (posix_memalign(&data, 4096, SLAB_SIZE) != 0)
		return nullptr;
	memset(data, 0, SLAB_SIZE);
	return data;
}

void slab(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	v8::Isolate *isolate = info.GetIsolate();
	void *data = take_slab();
	if (data == nullptr) {
		info.GetReturnValue().Set(v8::ArrayBuffer::New(isolate, SLAB_SIZE));
		return;
	}
	std::unique_ptr<v8::BackingStore> store = v8::ArrayBuffer::NewBackingStore(data, SLAB_SIZE, give_back, nullptr);
	info.GetReturnValue().Set(v8::ArrayBuffer::New(isolate, std::move(store)));
}

/* how many dead slabs wait for reuse: for the test that proves they come back */
void kept_slabs(const v8::FunctionCallbackInfo<v8::Value> &info)
{
	std::lock_guard<std::mutex> hold(free_lock);
	info.GetReturnValue().Set(static_cast<double>(free_slabs->size()));
}

}  // namespace

/* context-aware, so worker threads may load it too; the free list is the process's */
NODE_MODULE_INIT(/* exports, module, context */)
{
	NODE_SET_METHOD(exports, "slab", slab);
	NODE_SET_METHOD(exports, "keptSlabs", kept_slabs);
	v8::Isolate *isolate = context->GetIsolate();
	exports->Set(context, v8::String::NewFromUtf8Literal(isolate, "SLAB_SIZE"), v8::Number::New(isolate, SLAB_SIZE))
	    .Check();
}
