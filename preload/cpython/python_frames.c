/* Frame walking for every supported CPython. C, not C++: from 3.11 the frame
 * layout is in internal headers that only compile as C. Only the calling
 * thread's own frames are ever read: on the free-threaded build other threads
 * run in parallel, and their frames change under a reader. */
#include <patchlevel.h>

#if PY_VERSION_HEX >= 0x030B0000
#define Py_BUILD_CORE 1
#endif
#include <Python.h>
#include <frameobject.h>
#include <pthread.h>
#if PY_VERSION_HEX >= 0x030E0000
#include <internal/pycore_interpframe.h> /* the frame struct moved here in 3.14 */
#endif
#if PY_VERSION_HEX >= 0x030B0000
#include <internal/pycore_frame.h> /* the frame states */
#endif
#if PY_VERSION_HEX >= 0x030C0000
#include <internal/pycore_object.h> /* _PyType_PreHeaderSize */
#endif

#include "preload/cpython/python_frames.h"

#if PY_VERSION_HEX >= 0x030C0000 && defined(__x86_64__)
/* From 3.12 the attached thread state is the thread-local _Py_tss_tstate,
 * which libpython reads through __tls_get_addr; when the recorder has found
 * its offset from the thread pointer, one %fs-relative load reads it. */
static long g_thread_state_offset; /* 0: not known */

const char* arenatrace_thread_state_tls_symbol(void) { return "_Py_tss_tstate"; }

void arenatrace_use_thread_state_tls_offset(long offset) {
  __atomic_store_n(&g_thread_state_offset, offset, __ATOMIC_RELAXED);
}
#else
const char* arenatrace_thread_state_tls_symbol(void) { return NULL; }
void arenatrace_use_thread_state_tls_offset(long offset) { (void)offset; }
#endif

PyThreadState* arenatrace_attached_thread_state(void) {
#if PY_VERSION_HEX >= 0x030C0000 && defined(__x86_64__)
  const long offset = __atomic_load_n(&g_thread_state_offset, __ATOMIC_RELAXED);
  if (offset != 0) {
    PyThreadState* tstate;
    __asm__("mov %%fs:(%1), %0" : "=r"(tstate) : "r"(offset));
    return tstate; /* the calling thread's own: no owner check needed */
  }
#endif
#if PY_VERSION_HEX >= 0x030D0000
  PyThreadState* tstate = PyThreadState_GetUnchecked();
#else
  /* Up to 3.11 this is the GIL holder, whichever thread it is; from 3.12 the
   * calling thread's attached state. */
  PyThreadState* tstate = _PyThreadState_UncheckedGet();
#endif
  if (tstate == NULL || tstate->thread_id != (unsigned long)pthread_self()) return NULL;
  return tstate;
}

#if PY_VERSION_HEX < 0x030B0000

int arenatrace_walk_frames(PyThreadState* tstate, ArenatraceRawFrame* out, int capacity) {
  int depth = 0;
  for (PyFrameObject* frame = tstate->frame; frame != NULL; frame = frame->f_back) {
    if (depth == capacity) return capacity + 1; /* more than fit: stop here */
    out[depth].code = frame->f_code;
    int lasti = frame->f_lasti < 0 ? 0 : frame->f_lasti;
#if PY_VERSION_HEX >= 0x030A0000
    lasti *= 2; /* 3.10 counts code units */
#endif
    out[depth].offset = lasti;
    ++depth;
  }
  return depth;
}

/* Fast locals, then cells, then free variables, as f_localsplus holds them. */
static void VisitFrameLocals(PyFrameObject* frame, ArenatraceLocalVisit visit, void* context) {
  PyCodeObject* code = frame->f_code;
  PyObject* name_tuples[3] = {code->co_varnames, code->co_cellvars, code->co_freevars};
  Py_ssize_t slot = 0;
  for (int part = 0; part < 3; ++part) {
    PyObject* names = name_tuples[part];
    const Py_ssize_t count = names != NULL && PyTuple_Check(names) ? PyTuple_GET_SIZE(names) : 0;
    for (Py_ssize_t i = 0; i < count; ++i, ++slot) {
      PyObject* value = frame->f_localsplus[slot];
      if (value != NULL) visit(context, code, PyTuple_GET_ITEM(names, i), value);
    }
  }
}

void arenatrace_for_each_frame_local(PyThreadState* tstate, ArenatraceLocalVisit visit,
                                     void* context) {
  for (PyFrameObject* frame = tstate->frame; frame != NULL; frame = frame->f_back) {
    VisitFrameLocals(frame, visit, context);
  }
}

static int IsGenerator(PyObject* object) {
  return PyGen_Check(object) || PyCoro_CheckExact(object) || PyAsyncGen_CheckExact(object);
}

int arenatrace_holds_frame_locals(PyObject* object) {
  return IsGenerator(object) || PyFrame_Check(object);
}

void arenatrace_for_each_held_local(PyObject* object, ArenatraceLocalVisit visit, void* context) {
  if (PyFrame_Check(object)) VisitFrameLocals((PyFrameObject*)object, visit, context);
}

PyObject* arenatrace_generator_frame(PyObject* object) {
  /* Generators, coroutines and async generators share their head. */
  return IsGenerator(object) ? (PyObject*)((PyGenObject*)object)->gi_frame : NULL;
}

#else

/* 3.11+: _PyInterpreterFrame chain. */
static inline PyCodeObject* FrameCode(_PyInterpreterFrame* frame) {
#if PY_VERSION_HEX >= 0x030D0000
#if PY_VERSION_HEX >= 0x030E0000
  /* A tagged _PyStackRef: the header's own untagging (NULL for the null
   * reference; None in the interpreter's entry frames). */
  PyObject* executable = PyStackRef_AsPyObjectBorrow(frame->f_executable);
#else
  PyObject* executable = frame->f_executable;
#endif
  return (executable != NULL && PyCode_Check(executable)) ? (PyCodeObject*)executable : NULL;
#else
  return frame->f_code;
#endif
}

/* The instructions `frame` runs: the code's own, except on the free-threaded
 * build, where each thread may run its own copy (thread-local bytecode,
 * `frame->tlbc_index`). NULL when that copy is gone: a suspended generator's
 * frame may name the copy of a thread that ended, which the interpreter
 * replaces with the resuming thread's at its RESUME. */
static inline _Py_CODEUNIT* FrameBytecode(_PyInterpreterFrame* frame, PyCodeObject* code) {
#if defined(Py_GIL_DISABLED)
  _PyCodeArray* copies = _PyCode_GetTLBCArray(code);
  if (frame->tlbc_index < 0 || frame->tlbc_index >= copies->size) return NULL;
  return (_Py_CODEUNIT*)copies->entries[frame->tlbc_index];
#else
  (void)frame;
  return _PyCode_CODE(code);
#endif
}

static inline _Py_CODEUNIT* FrameInstruction(_PyInterpreterFrame* frame) {
#if PY_VERSION_HEX >= 0x030D0000
  return frame->instr_ptr;
#else
  return frame->prev_instr;
#endif
}

int arenatrace_walk_frames(PyThreadState* tstate, ArenatraceRawFrame* out, int capacity) {
#if PY_VERSION_HEX >= 0x030D0000
  _PyInterpreterFrame* frame = tstate->current_frame;
#else
  _PyInterpreterFrame* frame = tstate->cframe->current_frame;
#endif
  int depth = 0;
  for (; frame != NULL; frame = frame->previous) {
#if PY_VERSION_HEX >= 0x030E0000
    /* Entry frames (FRAME_OWNED_BY_INTERPRETER, executable None) and C-stack
     * frames; the __init__ shim is owned by the thread, and skipped below as
     * incomplete (its first traceable instruction lies past its code). */
    if (frame->owner >= FRAME_OWNED_BY_INTERPRETER) continue;
#elif PY_VERSION_HEX >= 0x030C0000
    if (frame->owner == FRAME_OWNED_BY_CSTACK) continue; /* entry trampolines and shims */
#endif
    PyCodeObject* code = FrameCode(frame);
    if (code == NULL) continue;
    _Py_CODEUNIT* first = FrameBytecode(frame, code);
    if (first == NULL) continue;
    _Py_CODEUNIT* instruction = FrameInstruction(frame);
    /* Incomplete frames: pushed, not yet running their first traceable
     * instruction. */
    if (frame->owner != FRAME_OWNED_BY_GENERATOR &&
        instruction < first + code->_co_firsttraceable) {
      continue;
    }
    if (depth == capacity) return capacity + 1; /* more than fit: stop here */
    out[depth].code = code;
    out[depth].offset = (int)(instruction - first) * (int)sizeof(_Py_CODEUNIT);
    ++depth;
  }
  return depth;
}

static inline PyObject* FrameLocal(_PyInterpreterFrame* frame, int slot) {
#if PY_VERSION_HEX >= 0x030E0000
  _PyStackRef ref = frame->localsplus[slot];
  return PyStackRef_IsNullOrInt(ref) ? NULL : PyStackRef_AsPyObjectBorrow(ref);
#else
  return frame->localsplus[slot];
#endif
}

static void VisitInterpreterFrameLocals(_PyInterpreterFrame* frame, PyCodeObject* code,
                                        ArenatraceLocalVisit visit, void* context) {
  PyObject* names = code->co_localsplusnames;
  for (int slot = 0; slot < code->co_nlocalsplus; ++slot) {
    PyObject* value = FrameLocal(frame, slot);
    if (value != NULL) visit(context, code, PyTuple_GET_ITEM(names, slot), value);
  }
}

void arenatrace_for_each_frame_local(PyThreadState* tstate, ArenatraceLocalVisit visit,
                                     void* context) {
#if PY_VERSION_HEX >= 0x030D0000
  _PyInterpreterFrame* frame = tstate->current_frame;
#else
  _PyInterpreterFrame* frame = tstate->cframe->current_frame;
#endif
  for (; frame != NULL; frame = frame->previous) {
#if PY_VERSION_HEX >= 0x030E0000
    if (frame->owner >= FRAME_OWNED_BY_INTERPRETER) continue;
#elif PY_VERSION_HEX >= 0x030C0000
    if (frame->owner == FRAME_OWNED_BY_CSTACK) continue;
#endif
    PyCodeObject* code = FrameCode(frame);
    if (code == NULL) continue;
    _Py_CODEUNIT* first = FrameBytecode(frame, code);
    /* An incomplete frame's locals may not be set yet. */
    if (first == NULL || (frame->owner != FRAME_OWNED_BY_GENERATOR &&
                          FrameInstruction(frame) < first + code->_co_firsttraceable)) {
      continue;
    }
    VisitInterpreterFrameLocals(frame, code, visit, context);
  }
}

int arenatrace_holds_frame_locals(PyObject* object) {
  return PyGen_Check(object) || PyCoro_CheckExact(object) || PyAsyncGen_CheckExact(object);
}

void arenatrace_for_each_held_local(PyObject* object, ArenatraceLocalVisit visit, void* context) {
  if (!arenatrace_holds_frame_locals(object)) return;
  /* Generators, coroutines and async generators share their head; the
   * frame is inside the object, its locals valid until it is cleared. */
  PyGenObject* generator = (PyGenObject*)object;
  if (generator->gi_frame_state >= FRAME_CLEARED) return;
  /* An array of pointers before 3.14, the frame itself from 3.14. */
  _PyInterpreterFrame* frame =
      (_PyInterpreterFrame*)((char*)generator + offsetof(PyGenObject, gi_iframe));
  PyCodeObject* code = FrameCode(frame);
  if (code != NULL) VisitInterpreterFrameLocals(frame, code, visit, context);
}

PyObject* arenatrace_generator_frame(PyObject* object) {
  (void)object;
  return NULL;
}

#endif

int arenatrace_code_line(PyCodeObject* code, int offset) { return PyCode_Addr2Line(code, offset); }

/* UTF-8 of a str object, from its canonical representation: no allocation. */
void arenatrace_copy_utf8(PyObject* text, char* out, size_t size) {
  size_t used = 0;
  if (size == 0) return;
  if (text != NULL && PyUnicode_Check(text)
#if PY_VERSION_HEX < 0x030C0000
      && PyUnicode_IS_READY(text)
#endif
  ) {
    const int kind = PyUnicode_KIND(text);
    const void* data = PyUnicode_DATA(text);
    const Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    for (Py_ssize_t i = 0; i < length; ++i) {
      const Py_UCS4 c = PyUnicode_READ(kind, data, i);
      char bytes[4];
      size_t n;
      if (c < 0x80) {
        bytes[0] = (char)c;
        n = 1;
      } else if (c < 0x800) {
        bytes[0] = (char)(0xC0 | (c >> 6));
        bytes[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
      } else if (c < 0x10000) {
        bytes[0] = (char)(0xE0 | (c >> 12));
        bytes[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        bytes[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
      } else {
        bytes[0] = (char)(0xF0 | (c >> 18));
        bytes[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        bytes[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        bytes[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
      }
      if (used + n + 1 > size) break;
      for (size_t j = 0; j < n; ++j) out[used++] = bytes[j];
    }
  }
  out[used] = '\0';
}

void arenatrace_code_identity(PyCodeObject* code, char* name, size_t name_size, char* file,
                              size_t file_size, int* first_line) {
#if PY_VERSION_HEX >= 0x030B0000
  arenatrace_copy_utf8(code->co_qualname, name, name_size);
#else
  arenatrace_copy_utf8(code->co_name, name, name_size);
#endif
  arenatrace_copy_utf8(code->co_filename, file, file_size);
  *first_line = code->co_firstlineno;
}

/* Code objects are not tracked by the garbage collector on any supported
 * CPython, so the block is the object; should a version make them so, the
 * collector's pre-header comes first. Checked once, at the first free. */
static size_t CodePreHeader(void) {
  if (!PyType_IS_GC(&PyCode_Type)) return 0;
#if PY_VERSION_HEX >= 0x030C0000
  return _PyType_PreHeaderSize(&PyCode_Type);
#else
  return 2 * sizeof(uintptr_t); /* PyGC_Head, internal up to 3.11: two words */
#endif
}

PyCodeObject* arenatrace_freed_code_object(void* block, uint64_t size_class) {
  static size_t pre_header = (size_t)-1;
  if (__builtin_expect(pre_header == (size_t)-1, 0)) pre_header = CodePreHeader();
  /* The type field's end: within any block of CPython's smallest class (16
   * bytes) for the default build; past it on the free-threaded one, whose
   * header is larger. */
  const size_t needed = pre_header + offsetof(PyObject, ob_type) + sizeof(PyTypeObject*);
  if (size_class != 0 && size_class * 16 < needed) return NULL;
  PyObject* object = (PyObject*)((char*)block + pre_header);
  return Py_TYPE(object) == &PyCode_Type ? (PyCodeObject*)object : NULL;
}
