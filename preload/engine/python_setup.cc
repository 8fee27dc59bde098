#include "preload/engine/python_setup.h"

#include <Python.h>
#include <pthread.h>

#include "preload/cpython/parallel_interpreters.h"
#include "preload/cpython/pending_calls.h"
#include "preload/cpython/python_frames.h"
#include "preload/engine/heap_snapshot.h"
#include "preload/engine/recorder.h"
#include "preload/log.h"

namespace arenatrace::preload {

std::atomic<bool> g_python_work_pending{true};

namespace {

bool g_exiting = false;  // our atexit handler ran

// Records the name of every thread `threading` knows (if the program imported
// it: we never do). Called where running Python code is safe, with the GIL;
// leaves no exception behind.
void NameThreads() {
  // Once the program's atexit handlers ran, the interpreter tears down its
  // modules (3.13 aborts when sys.modules is asked for after that).
  if (g_exiting) return;
  PyObject* module_name = PyUnicode_FromString("threading");
  PyObject* threading = module_name != nullptr ? PyImport_GetModule(module_name) : nullptr;
  Py_XDECREF(module_name);
  if (threading == nullptr) {
    PyErr_Clear();
    return;
  }
  // threading._dangling (3.8-3.13) holds every Thread object still alive,
  // also those that have finished: the main thread, blocked in join() while a
  // short thread ran, can still name it afterwards. _active holds only the
  // running ones.
  PyObject* threads = PyObject_GetAttrString(threading, "_dangling");
  if (threads == nullptr) {
    PyErr_Clear();
    PyObject* active = PyObject_GetAttrString(threading, "_active");
    threads = active != nullptr && PyDict_Check(active) ? PyDict_Values(active) : nullptr;
    Py_XDECREF(active);
  }
  Py_DECREF(threading);
  PyObject* snapshot = threads != nullptr ? PySequence_List(threads) : nullptr;
  Py_XDECREF(threads);
  for (Py_ssize_t i = 0; snapshot != nullptr && i < PyList_GET_SIZE(snapshot); ++i) {
    PyObject* thread = PyList_GET_ITEM(snapshot, i);
    PyObject* native_id = PyObject_GetAttrString(thread, "native_id");
    PyObject* name = PyObject_GetAttrString(thread, "name");
    const char* utf8 = name != nullptr && PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : nullptr;
    if (native_id != nullptr && PyLong_Check(native_id) && utf8 != nullptr) {
      NameThread(PyLong_AsUnsignedLongLong(native_id), utf8);
    }
    Py_XDECREF(native_id);
    Py_XDECREF(name);
  }
  Py_XDECREF(snapshot);
  PyErr_Clear();
}

int SnapshotPending(void*) {
  if (!g_exiting) TakeHeapSnapshot(trace::SnapshotTrigger::kSignal, "");
  return 0;
}

int NameThreadsPending(void*) {
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  NameThreads();
  PyErr_Restore(type, value, traceback);
  return 0;
}

bool g_setup_scheduled = false;
pthread_t g_main_thread = pthread_self();  // the constructor's thread: the process's first
// After fork the forking thread is the child's main thread, for CPython too.
void NoteMainThreadInChild() { g_main_thread = pthread_self(); }
[[maybe_unused]] const bool g_main_thread_followed =
    pthread_atfork(nullptr, nullptr, &NoteMainThreadInChild) == 0;
std::atomic<bool> g_naming_wanted{false};

// From the recorder, in the first event of a new thread: any thread, with or
// without the GIL, inside an allocator hook. The next OBJ allocation (the
// GIL held) schedules the names to be read at the main thread's next
// bytecode boundary.
void WantThreadNames() {
  // Not without a GIL (the free-threaded build): Py_AddPendingCall takes a
  // PyMutex, which, when another thread holds it, detaches the waiting
  // thread's state. Inside an allocator hook that would let a stop-the-world
  // collection walk mimalloc's heaps while our caller holds a block it has
  // not initialised. Names are then read at collections, marks and exit.
  if constexpr (cpython::ParallelInterpreters::kAlways) return;
  g_naming_wanted.store(true, std::memory_order_relaxed);
  g_python_work_pending.store(true, std::memory_order_relaxed);
}

// gc.callbacks entry: cb(phase, info).
PyObject* GcCallback(PyObject*, PyObject* args) {
  const char* phase = nullptr;
  PyObject* info = nullptr;
  if (!PyArg_ParseTuple(args, "sO", &phase, &info)) return nullptr;
  auto field = [info](const char* name) -> uint64_t {
    PyObject* value = PyDict_Check(info) ? PyDict_GetItemString(info, name) : nullptr;
    return value != nullptr && PyLong_Check(value) ? PyLong_AsUnsignedLongLong(value) : 0;
  };
  const bool start = phase[0] == 's' && phase[1] == 't' && phase[2] == 'a';
  RecordGc(start, field("generation"), field("collected"), field("uncollectable"));
  PyErr_Clear();
  // A safe moment in whichever thread collects: threads whose names the
  // main thread could not read yet (it may be blocked in join) get them here.
  // Before the collection, not after it: what naming allocates is then
  // counted before the collection resets the counts, and gc.get_count()
  // right after gc.collect() stays what the program expects (test_gc).
  if (start && ThreadsAwaitingNames()) NameThreads();
  Py_RETURN_NONE;
}

PyObject* AtExit(PyObject*, PyObject*) {
  NameThreads();  // the last chance to catch renamed threads
  g_exiting = true;
  RecordFinalizing();
  if (SnapshotAtFinalizing()) TakeHeapSnapshot(trace::SnapshotTrigger::kFinalizing, "");
  Py_RETURN_NONE;
}

// A label is any str, also one with lone surrogates (file names decoded with
// surrogateescape): stored as UTF-8 with surrogates passed through, as
// CPython's "surrogatepass" error handler writes them. Null when `label` is
// not a str (a TypeError set).
PyObject* LabelBytes(PyObject* label, const char* function) {
  if (label == nullptr) return PyBytes_FromString("");
  if (!PyUnicode_Check(label)) {
    PyErr_Format(PyExc_TypeError, "%s() argument must be str, not %.100s", function,
                 Py_TYPE(label)->tp_name);
    return nullptr;
  }
  return PyUnicode_AsEncodedString(label, "utf-8", "surrogatepass");
}

PyObject* Mark(PyObject*, PyObject* args) {
  PyObject* label = nullptr;
  if (!PyArg_ParseTuple(args, "|O:mark", &label)) return nullptr;
  PyObject* bytes = LabelBytes(label, "mark");
  if (bytes == nullptr) return nullptr;
  NameThreads();
  RecordMark(PyBytes_AS_STRING(bytes));
  Py_DECREF(bytes);
  Py_RETURN_NONE;
}

PyObject* Snapshot(PyObject*, PyObject* args) {
  PyObject* label = nullptr;
  if (!PyArg_ParseTuple(args, "|O:snapshot", &label)) return nullptr;
  PyObject* bytes = LabelBytes(label, "snapshot");
  if (bytes == nullptr) return nullptr;
  NameThreads();
  RecordSnapshotRequest(PyBytes_AS_STRING(bytes));
  if (SnapshotOnRequest()) {
    TakeHeapSnapshot(trace::SnapshotTrigger::kRequest, PyBytes_AS_STRING(bytes));
  }
  Py_DECREF(bytes);
  Py_RETURN_NONE;
}

PyObject* Pause(PyObject*, PyObject*) {
  PauseRecording();
  Py_RETURN_NONE;
}

PyObject* Resume(PyObject*, PyObject*) {
  ResumeRecording();
  Py_RETURN_NONE;
}

PyObject* IsRecording(PyObject*, PyObject*) {
  return PyBool_FromLong(g_recording.load(std::memory_order_relaxed));
}

PyMethodDef g_gc_callback = {"_arenatrace_gc_callback", &GcCallback, METH_VARARGS, nullptr};
PyMethodDef g_at_exit = {"_arenatrace_finalizing", &AtExit, METH_NOARGS, nullptr};
PyMethodDef g_module_methods[] = {
    {"mark", &Mark, METH_VARARGS, "mark(label=''): records a mark in the trace."},
    {"snapshot", &Snapshot, METH_VARARGS,
     "snapshot(label=''): asks the analyzer for a snapshot of the heap at this moment."},
    {"pause", &Pause, METH_NOARGS,
     "pause(): allocations are not recorded until the matching resume() (calls nest; frees "
     "still are recorded). Process-wide."},
    {"resume", &Resume, METH_NOARGS, "resume(): ends the innermost pause()."},
    {"is_recording", &IsRecording, METH_NOARGS,
     "is_recording(): True when arenatrace records this process."},
    {nullptr, nullptr, 0, nullptr}};
PyModuleDef g_module = {PyModuleDef_HEAD_INIT, "arenatrace",
                        "arenatrace's in-process API, installed by the arenatrace preload.", -1,
                        g_module_methods};

// The parts of the module better said in Python. The same API, as no-ops, is
// python/arenatrace/__init__.py, for processes without the preload.
//
// The module is not put in sys.modules: a finder at the end of sys.meta_path
// answers `import arenatrace` only when nothing on sys.path is called so, so
// that a program's own arenatrace.py (in its directory) wins, as it would
// without us. The no-op package of preload/python, when it is the one
// imported, asks the finder for this module and becomes it.
constexpr char kModuleSource[] = R"(
class _EngineFinder:
    """Finds arenatrace's in-process module, after every other finder."""
    arenatrace_engine_module = None

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if name != "arenatrace" or path is not None or cls.arenatrace_engine_module is None:
            return None
        import sys
        return sys.modules["_frozen_importlib"].ModuleSpec(name, cls, origin="arenatrace")

    @classmethod
    def create_module(cls, spec):
        return cls.arenatrace_engine_module

    @staticmethod
    def exec_module(module):
        pass

class paused:
    """with arenatrace.paused(): allocations made inside are not recorded."""
    __slots__ = ()
    def __enter__(self):
        pause()
        return self
    def __exit__(self, *exc_info):
        resume()
        return False
)";

// Calls module.function(argument); false (exception cleared) on failure.
bool CallIn(const char* module, const char* function, PyObject* argument) {
  PyObject* imported = PyImport_ImportModule(module);
  if (imported == nullptr) return false;
  PyObject* result = PyObject_CallMethod(imported, function, "O", argument);
  Py_DECREF(imported);
  Py_XDECREF(result);
  return result != nullptr;
}

// Returns the module's namespace (borrowed), or null.
PyObject* InstallModule() {
  PyObject* module = PyModule_Create(&g_module);
  if (module == nullptr) return nullptr;
  PyObject* globals = PyModule_GetDict(module);
  bool ok = PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) == 0;
  PyObject* code = ok ? Py_CompileString(kModuleSource, "<arenatrace>", Py_file_input) : nullptr;
  PyObject* result = code != nullptr ? PyEval_EvalCode(code, globals, globals) : nullptr;
  Py_XDECREF(code);
  PyObject* finder = result != nullptr ? PyDict_GetItemString(globals, "_EngineFinder") : nullptr;
  PyObject* meta_path = PySys_GetObject("meta_path");  // borrowed
  ok = finder != nullptr && meta_path != nullptr && PyList_Check(meta_path) &&
       PyObject_SetAttrString(finder, "arenatrace_engine_module", module) == 0 &&
       PyList_Append(meta_path, finder) == 0;
  Py_XDECREF(result);
  Py_DECREF(module);  // the finder holds it
  return ok ? globals : nullptr;
}

bool SetUpRecording() {
  bool ok = true;
  if (PyObject* callback = PyCFunction_New(&g_gc_callback, nullptr)) {
    PyObject* gc = PyImport_ImportModule("gc");
    PyObject* callbacks = gc ? PyObject_GetAttrString(gc, "callbacks") : nullptr;
    ok &= callbacks != nullptr && PyList_Append(callbacks, callback) == 0;
    Py_XDECREF(callbacks);
    Py_XDECREF(gc);
    Py_DECREF(callback);
  }
  if (PyObject* at_exit = PyCFunction_New(&g_at_exit, nullptr)) {
    ok &= CallIn("atexit", "register", at_exit);
    Py_DECREF(at_exit);
  }
  SetNewThreadCallback(&WantThreadNames);
  return ok;
}

int SetUp(void*) {
  PyObject* saved_type;
  PyObject* saved_value;
  PyObject* saved_traceback;
  PyErr_Fetch(&saved_type, &saved_value, &saved_traceback);
  PyObject* module_globals = InstallModule();
  if (module_globals == nullptr) Log("could not install the arenatrace module in this process");
  PyErr_Clear();
  if (g_recording.load() && !SetUpRecording()) {
    Log("could not set up GC, exit and thread-name recording in this process");
  }
  InstallSignalHandlers();
  if (g_recording.load()) InstallSnapshotSignal();
  PyErr_Clear();
  PyErr_Restore(saved_type, saved_value, saved_traceback);
  return 0;
}

}  // namespace

void SchedulePythonWork() {
  if (!Py_IsInitialized()) return;
  // Py_AddPendingCall takes a lock that may make the caller wait with its
  // thread state detached: its GIL released, inside an allocator hook. Only
  // the main interpreter's main thread asks, where nothing else contends for
  // that lock but C code scheduling its own calls, and where the calls run
  // anyway. Other threads leave the work pending for it.
  if (!pthread_equal(pthread_self(), g_main_thread)) return;
  PyThreadState* tstate = arenatrace_attached_thread_state();
  if (tstate == nullptr || tstate->interp != PyInterpreterState_Main()) return;
  // Once finalisation has begun CPython refuses pending calls, and 3.8
  // prints an error when asked (from before the atexit handlers run).
  if (g_exiting || arenatrace_pending_calls_refused_loudly()) {
    g_naming_wanted.store(false, std::memory_order_relaxed);
    g_python_work_pending.store(false, std::memory_order_relaxed);
    return;
  }
  if (!g_setup_scheduled) g_setup_scheduled = Py_AddPendingCall(&SetUp, nullptr) == 0;
  // A refused call is not asked again: names are read at collections, marks
  // and exit too.
  if (g_naming_wanted.load(std::memory_order_relaxed)) {
    Py_AddPendingCall(&NameThreadsPending, nullptr);
    g_naming_wanted.store(false, std::memory_order_relaxed);
  }
  if (SnapshotWantedBySignal()) Py_AddPendingCall(&SnapshotPending, nullptr);
  g_python_work_pending.store(!g_setup_scheduled || g_naming_wanted.load(),
                              std::memory_order_relaxed);
}

}  // namespace arenatrace::preload
