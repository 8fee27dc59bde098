// Can CPython call the MEM/OBJ allocator from two threads at the same time?
//
// Up to 3.11 every interpreter shares one GIL, and MEM/OBJ calls hold it: the
// calls are serialised for us. From 3.12 a subinterpreter may have its own GIL
// and then runs in parallel with the main one ("all allocators must be
// thread-safe"). The test must be nearly free on the hot path, so it reads
// `_PyRuntime.interpreters.next_id`, which counts interpreters ever created
// (it only grows). While it is <= 1 there is only the main interpreter, and
// every call holds the main GIL; a second interpreter can only be created by a
// thread holding that GIL, so every later call sees the new count. The answer
// is then remembered: once parallel, always parallel.
//
// On the free-threaded build (3.14t) there is no GIL: every thread calls the
// allocator in parallel, always.
#ifndef ARENATRACE_PRELOAD_CPYTHON_PARALLEL_INTERPRETERS_H_
#define ARENATRACE_PRELOAD_CPYTHON_PARALLEL_INTERPRETERS_H_

#include <Python.h>

#include <cstdint>

namespace arenatrace::preload::cpython {

#if defined(Py_GIL_DISABLED)

class ParallelInterpreters {
 public:
  static constexpr bool kAlways = true;  // known before Init
  static void Init() {}
  static constexpr bool Possible() { return true; }
};

#elif PY_VERSION_HEX >= 0x030C0000

extern "C" const int64_t* arenatrace_interpreter_counter(void);  // interpreter_counter.c

class ParallelInterpreters {
 public:
  static constexpr bool kAlways = false;
  // Reads the address of the counter; call once, before installing hooks.
  static void Init() { next_id_ = arenatrace_interpreter_counter(); }

  static bool Possible() {
    if (__builtin_expect(__atomic_load_n(&sticky_, __ATOMIC_RELAXED), 0)) return true;
    if (__builtin_expect(__atomic_load_n(next_id_, __ATOMIC_RELAXED) <= 1, 1)) return false;
    __atomic_store_n(&sticky_, true, __ATOMIC_RELAXED);
    return true;
  }

 private:
  static inline const int64_t* next_id_ = nullptr;
  static inline bool sticky_ = false;
};

#else

class ParallelInterpreters {
 public:
  static constexpr bool kAlways = false;
  static void Init() {}
  static constexpr bool Possible() { return false; }
};

#endif

}  // namespace arenatrace::preload::cpython

#endif  // ARENATRACE_PRELOAD_CPYTHON_PARALLEL_INTERPRETERS_H_
