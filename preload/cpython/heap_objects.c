/* Object layouts a heap snapshot reads, for every supported CPython (see
 * heap_objects.h). C, not C++: from 3.11 the pre-header and the inline
 * values are in internal headers that only compile as C. */
#include <patchlevel.h>

#if PY_VERSION_HEX >= 0x030B0000
#define Py_BUILD_CORE 1
#endif
#include <Python.h>
#if PY_VERSION_HEX >= 0x030B0000
#include <internal/pycore_dict.h>
#include <internal/pycore_object.h>
#endif

#include <sys/syscall.h>
#include <unistd.h>

#include "preload/cpython/heap_objects.h"

#if defined(Py_GIL_DISABLED)

/* Other threads change the heap while one would read it: no snapshots. */
int arenatrace_snapshots_supported(void) { return 0; }
size_t arenatrace_object_block_offset(PyObject* object) {
  (void)object;
  return 0;
}
size_t arenatrace_object_size(PyObject* object) {
  (void)object;
  return 0;
}
int arenatrace_object_is_tracked(PyObject* object) {
  (void)object;
  return 0;
}
int arenatrace_object_is_immortal(PyObject* object) {
  (void)object;
  return 0;
}
PyObject* arenatrace_existing_instance_dict(PyObject* object) {
  (void)object;
  return NULL;
}
void arenatrace_for_each_inline_attribute(PyObject* object, ArenatraceNamedVisit visit,
                                          void* context) {
  (void)object;
  (void)visit;
  (void)context;
}
void arenatrace_for_each_owned_buffer(PyObject* object, ArenatraceBufferVisit visit,
                                      void* context) {
  (void)object;
  (void)visit;
  (void)context;
}
unsigned long arenatrace_thread_native_id(PyThreadState* tstate) {
  (void)tstate;
  return 0;
}

#else

int arenatrace_snapshots_supported(void) { return 1; }

size_t arenatrace_object_block_offset(PyObject* object) {
  PyTypeObject* type = Py_TYPE(object);
#if PY_VERSION_HEX >= 0x030B0000
  const size_t gc_header = sizeof(PyGC_Head);
#else
  /* Two words (_gc_next, _gc_prev) since 3.8; 3.9 and 3.10 keep the struct
   * in an internal header. */
  const size_t gc_header = 2 * sizeof(uintptr_t);
#endif
  size_t offset = PyObject_IS_GC(object) ? gc_header : 0;
#if PY_VERSION_HEX >= 0x030C0000
  if (PyType_HasFeature(type, Py_TPFLAGS_PREHEADER)) offset += 2 * sizeof(PyObject*);
#elif PY_VERSION_HEX >= 0x030B0000
  if (PyType_HasFeature(type, Py_TPFLAGS_MANAGED_DICT)) offset += 2 * sizeof(PyObject*);
#else
  (void)type;
#endif
  return offset;
}

static size_t StrSize(PyObject* text) {
#if PY_VERSION_HEX < 0x030C0000
  if (!PyUnicode_IS_READY(text)) return sizeof(PyUnicodeObject);
#endif
  const size_t length = (size_t)PyUnicode_GET_LENGTH(text);
  if (PyUnicode_IS_COMPACT_ASCII(text)) return sizeof(PyASCIIObject) + length + 1;
  if (PyUnicode_IS_COMPACT(text)) {
    return sizeof(PyCompactUnicodeObject) + (length + 1) * PyUnicode_KIND(text);
  }
  return sizeof(PyUnicodeObject); /* its characters are a buffer of their own */
}

size_t arenatrace_object_size(PyObject* object) {
  PyTypeObject* type = Py_TYPE(object);
  if (PyUnicode_Check(object)) return StrSize(object);
  size_t size = (size_t)type->tp_basicsize;
  if (type->tp_itemsize == 0) return size;
  Py_ssize_t items;
#if PY_VERSION_HEX >= 0x030C0000
  if (PyLong_Check(object)) {
    /* 3.12 keeps the digit count in lv_tag, above three flag bits. */
    items = (Py_ssize_t)(((PyLongObject*)object)->long_value.lv_tag >> 3);
  } else {
    items = Py_SIZE(object);
  }
#else
  items = Py_SIZE(object);
#endif
  if (items < 0) items = -items;
  return size + (size_t)items * (size_t)type->tp_itemsize;
}

int arenatrace_object_is_tracked(PyObject* object) {
  if (!PyObject_IS_GC(object)) return 0;
#if PY_VERSION_HEX >= 0x03090000
  return PyObject_GC_IsTracked(object);
#else
  return _PyObject_GC_IS_TRACKED(object);
#endif
}

int arenatrace_object_is_immortal(PyObject* object) {
#if PY_VERSION_HEX >= 0x030C0000
  return _Py_IsImmortal(object);
#else
  (void)object;
  return 0;
#endif
}

PyObject* arenatrace_existing_instance_dict(PyObject* object) {
  PyTypeObject* type = Py_TYPE(object);
#if PY_VERSION_HEX >= 0x030D0000
  if (PyType_HasFeature(type, Py_TPFLAGS_MANAGED_DICT)) {
    return (PyObject*)_PyObject_GetManagedDict(object);
  }
#elif PY_VERSION_HEX >= 0x030C0000
  if (PyType_HasFeature(type, Py_TPFLAGS_MANAGED_DICT)) {
    PyDictOrValues dict_or_values = *_PyObject_DictOrValuesPointer(object);
    return _PyDictOrValues_IsValues(dict_or_values) ? NULL
                                                    : _PyDictOrValues_GetDict(dict_or_values);
  }
#elif PY_VERSION_HEX >= 0x030B0000
  if (PyType_HasFeature(type, Py_TPFLAGS_MANAGED_DICT)) {
    return *_PyObject_ManagedDictPointer(object);
  }
#endif
  /* A dict at tp_dictoffset: _PyObject_GetDictPtr only computes where. */
  if (type->tp_dictoffset == 0) return NULL;
  PyObject** slot = _PyObject_GetDictPtr(object);
  return slot != NULL ? *slot : NULL;
}

void arenatrace_for_each_inline_attribute(PyObject* object, ArenatraceNamedVisit visit,
                                          void* context) {
#if PY_VERSION_HEX >= 0x030B0000
  PyTypeObject* type = Py_TYPE(object);
  if (!PyType_HasFeature(type, Py_TPFLAGS_HEAPTYPE)) return;
  PyDictKeysObject* keys = ((PyHeapTypeObject*)type)->ht_cached_keys;
  if (keys == NULL) return;
  PyDictValues* values = NULL;
#if PY_VERSION_HEX >= 0x030D0000
  if (!PyType_HasFeature(type, Py_TPFLAGS_INLINE_VALUES)) return;
  values = _PyObject_InlineValues(object);
  if (!values->valid) return; /* the dict took them over */
#elif PY_VERSION_HEX >= 0x030C0000
  if (!PyType_HasFeature(type, Py_TPFLAGS_MANAGED_DICT)) return;
  PyDictOrValues dict_or_values = *_PyObject_DictOrValuesPointer(object);
  if (!_PyDictOrValues_IsValues(dict_or_values)) return;
  values = _PyDictOrValues_GetValues(dict_or_values);
#else
  if (!PyType_HasFeature(type, Py_TPFLAGS_MANAGED_DICT)) return;
  values = *_PyObject_ValuesPointer(object);
#endif
  if (values == NULL) return;
  /* Value i belongs to the shared keys' entry i. */
  PyDictUnicodeEntry* entries = DK_UNICODE_ENTRIES(keys);
  Py_ssize_t count = keys->dk_nentries;
#if PY_VERSION_HEX >= 0x030D0000
  if (count > values->capacity) count = values->capacity;
#endif
  for (Py_ssize_t i = 0; i < count; ++i) {
    PyObject* value = values->values[i];
    if (value != NULL && entries[i].me_key != NULL) visit(context, entries[i].me_key, value);
  }
#else
  (void)object;
  (void)visit;
  (void)context;
#endif
}

void arenatrace_for_each_owned_buffer(PyObject* object, ArenatraceBufferVisit visit,
                                      void* context) {
  if (PyList_Check(object)) {
    PyObject** items = ((PyListObject*)object)->ob_item;
    if (items != NULL) visit(context, items);
  } else if (PyDict_Check(object)) {
    /* A split table's keys are the class's, shared: only a combined table is
     * the dict's own. */
    PyDictObject* dict = (PyDictObject*)object;
    if (dict->ma_values == NULL && dict->ma_keys != NULL) visit(context, dict->ma_keys);
  } else if (PyAnySet_Check(object)) {
    PySetObject* set = (PySetObject*)object;
    if (set->table != set->smalltable) visit(context, set->table);
  } else if (PyByteArray_Check(object)) {
    char* bytes = ((PyByteArrayObject*)object)->ob_bytes;
    if (bytes != NULL) visit(context, bytes);
  }
}

unsigned long arenatrace_thread_native_id(PyThreadState* tstate) {
#if PY_VERSION_HEX >= 0x030B0000
  return (unsigned long)tstate->native_thread_id;
#else
  /* Not kept before 3.11: known for the calling thread only. */
  return tstate == PyThreadState_Get() ? (unsigned long)syscall(SYS_gettid) : 0;
#endif
}

#endif
