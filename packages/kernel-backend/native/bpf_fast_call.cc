/*
 * bpf(cmd, attr_address, size) -> result or -errno, as a V8 fast API call.
 *
 * Once the JavaScript that calls it is optimized, V8 calls fast_bpf() straight from the compiled
 * code: no Node-API frame, no handle scope, no callback info. On this machine a map lookup costs
 * about 100 ns less than through the Node-API addon (bpf_syscall.c): fewer pages touched after
 * the syscall has emptied the TLB. Unoptimized code, and calls whose arguments are not numbers,
 * go through slow_bpf(), which answers the same.
 *
 * Node 20's headers (V8 11.3) do not ship v8-fast-api-calls.h, so the three classes V8 needs are
 * declared here as V8 11.3 lays them out; the node binary exports their constructors.
 * scripts/build-native.mjs builds this file only for V8 11.3, and Node refuses to load it in a
 * Node of another module version, so the declarations never meet another V8.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <node.h>

namespace v8 {
// include/v8-fast-api-calls.h of V8 11.3: the enum's order is its ABI.
class CTypeInfo {
 public:
  enum class Type : uint8_t {
    kVoid, kBool, kUint8, kInt32, kUint32, kInt64, kUint64, kFloat32, kFloat64, kPointer, kV8Value,
  };
  explicit constexpr CTypeInfo(Type type) : type_(type), sequence_type_(0), flags_(0) {}

 private:
  Type type_;
  uint8_t sequence_type_;  // SequenceType::kScalar
  uint8_t flags_;          // Flags::kNone
};

class V8_EXPORT CFunctionInfo {
 public:
  CFunctionInfo(const CTypeInfo& return_info, unsigned int arg_count, const CTypeInfo* arg_info);

 private:
  const CTypeInfo return_info_;
  const unsigned int arg_count_;
  const CTypeInfo* arg_info_;
};

class V8_EXPORT CFunction {
 public:
  CFunction(const void* address, const CFunctionInfo* type_info);

 private:
  const void* address_;
  const CFunctionInfo* type_info_;
};
}  // namespace v8

namespace {

using v8::CTypeInfo;

// Calls that took the fast path, for the test that proves it is taken. Relaxed load and store,
// not a locked add: workers may lose a count, never corrupt it.
uint64_t fast_calls = 0;

void count_fast_call() {
  __atomic_store_n(&fast_calls, __atomic_load_n(&fast_calls, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

int32_t bpf_syscall(int32_t cmd, double address, uint32_t size) {
  long result = syscall(__NR_bpf, cmd, (void *)(uintptr_t)address, size);
  return result < 0 ? -errno : (int32_t)result;
}

int32_t fast_bpf(v8::Local<v8::Object> receiver, int32_t cmd, double address, uint32_t size) {
  (void)receiver;
  count_fast_call();
  return bpf_syscall(cmd, address, size);
}

void slow_bpf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  if (info.Length() < 3 || !info[0]->IsInt32() || !info[1]->IsNumber() || !info[2]->IsUint32()) {
    isolate->ThrowException(v8::Exception::TypeError(
        v8::String::NewFromUtf8Literal(isolate, "bpf(cmd, attrAddress, size) takes three numbers")));
    return;
  }
  int32_t cmd = info[0].As<v8::Int32>()->Value();
  double address = info[1].As<v8::Number>()->Value();
  uint32_t size = info[2].As<v8::Uint32>()->Value();
  info.GetReturnValue().Set(bpf_syscall(cmd, address, size));
}

// An empty fast call: the floor under every map row (bench/napi-floor.js).
void fast_nop(v8::Local<v8::Object> receiver) {
  (void)receiver;
  count_fast_call();
}

void slow_nop(const v8::FunctionCallbackInfo<v8::Value>& info) { (void)info; }

void fast_call_count(const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetReturnValue().Set(static_cast<double>(__atomic_load_n(&fast_calls, __ATOMIC_RELAXED)));
}

const CTypeInfo bpf_arguments[] = {
    CTypeInfo(CTypeInfo::Type::kV8Value),  // the receiver
    CTypeInfo(CTypeInfo::Type::kInt32),
    CTypeInfo(CTypeInfo::Type::kFloat64),  // an address: below 2^53, exact as a double
    CTypeInfo(CTypeInfo::Type::kUint32),
};
const CTypeInfo nop_arguments[] = {CTypeInfo(CTypeInfo::Type::kV8Value)};

void export_function(v8::Local<v8::Context> context, v8::Local<v8::Object> exports, const char *name,
                     v8::FunctionCallback slow, int length, const v8::CFunction *fast) {
  v8::Isolate* isolate = context->GetIsolate();
  v8::Local<v8::FunctionTemplate> function = v8::FunctionTemplate::New(
      isolate, slow, v8::Local<v8::Value>(), v8::Local<v8::Signature>(), length,
      v8::ConstructorBehavior::kThrow, v8::SideEffectType::kHasSideEffect, fast);
  exports
      ->Set(context, v8::String::NewFromUtf8(isolate, name).ToLocalChecked(),
            function->GetFunction(context).ToLocalChecked())
      .Check();
}

}  // namespace

NODE_MODULE_INIT() {
  (void)module;
  static const v8::CFunctionInfo bpf_info(CTypeInfo(CTypeInfo::Type::kInt32), 4, bpf_arguments);
  static const v8::CFunction bpf_function(reinterpret_cast<const void *>(fast_bpf), &bpf_info);
  static const v8::CFunctionInfo nop_info(CTypeInfo(CTypeInfo::Type::kVoid), 1, nop_arguments);
  static const v8::CFunction nop_function(reinterpret_cast<const void *>(fast_nop), &nop_info);
  export_function(context, exports, "bpf", slow_bpf, 3, &bpf_function);
  export_function(context, exports, "nop", slow_nop, 0, &nop_function);
  export_function(context, exports, "fastCallCount", fast_call_count, 0, nullptr);
}
