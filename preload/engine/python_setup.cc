#include "preload/engine/python_setup.h"

#include <Python.h>

#include "preload/engine/recorder.h"
#include "preload/log.h"

namespace arenatrace::preload {
namespace {

bool g_scheduled = false;

// gc.callbacks entry: cb(phase, info).
PyObject* GcCallback(PyObject*, PyObject* args) {
  const char* phase = nullptr;
  PyObject* info = nullptr;
  if (!PyArg_ParseTuple(args, "sO", &phase, &info)) return nullptr;
  auto field = [info](const char* name) -> uint64_t {
    PyObject* value = PyDict_Check(info) ? PyDict_GetItemString(info, name) : nullptr;
    return value != nullptr && PyLong_Check(value) ? PyLong_AsUnsignedLongLong(value) : 0;
  };
  RecordGc(phase[0] == 's' && phase[1] == 't' && phase[2] == 'a', field("generation"),
           field("collected"), field("uncollectable"));
  PyErr_Clear();
  Py_RETURN_NONE;
}

PyObject* AtExit(PyObject*, PyObject*) {
  RecordFinalizing();
  Py_RETURN_NONE;
}

PyObject* Mark(PyObject*, PyObject* args) {
  const char* label = "";
  if (!PyArg_ParseTuple(args, "|s", &label)) return nullptr;
  RecordMark(label);
  Py_RETURN_NONE;
}

PyMethodDef g_gc_callback = {"_arenatrace_gc_callback", &GcCallback, METH_VARARGS, nullptr};
PyMethodDef g_at_exit = {"_arenatrace_finalizing", &AtExit, METH_NOARGS, nullptr};
PyMethodDef g_module_methods[] = {
    {"mark", &Mark, METH_VARARGS, "mark(label): record a mark in the trace"},
    {nullptr, nullptr, 0, nullptr}};
PyModuleDef g_module = {PyModuleDef_HEAD_INIT, "arenatrace",
                        "arenatrace's in-process API (the process is being recorded).", -1,
                        g_module_methods};

// Calls module.function(argument); false (exception cleared) on failure.
bool CallIn(const char* module, const char* function, PyObject* argument) {
  PyObject* imported = PyImport_ImportModule(module);
  if (imported == nullptr) return false;
  PyObject* result = PyObject_CallMethod(imported, function, "O", argument);
  Py_DECREF(imported);
  Py_XDECREF(result);
  return result != nullptr;
}

int SetUp(void*) {
  PyObject* saved_type;
  PyObject* saved_value;
  PyObject* saved_traceback;
  PyErr_Fetch(&saved_type, &saved_value, &saved_traceback);
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
  if (PyObject* module = PyModule_Create(&g_module)) {
    PyObject* modules = PyImport_GetModuleDict();
    ok &= PyDict_SetItemString(modules, "arenatrace", module) == 0;
    Py_DECREF(module);
  }
  if (!ok) Log("could not set up GC and exit recording in this process");
  PyErr_Clear();
  PyErr_Restore(saved_type, saved_value, saved_traceback);
  return 0;
}

}  // namespace

void ScheduleRecordingSetup() {
  if (__builtin_expect(g_scheduled, 1)) return;
  if (!Py_IsInitialized()) return;
  g_scheduled = Py_AddPendingCall(&SetUp, nullptr) == 0;
}

}  // namespace arenatrace::preload
