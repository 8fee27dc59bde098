#include "preload/engine/heap_snapshot.h"

#include <Python.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/memory/address_set.h"
#include "core/trace/byte_buffer.h"
#include "core/trace/record_codec.h"
#include "preload/cpython/heap_objects.h"
#include "preload/cpython/python_frames.h"
#include "preload/engine/chained_signal.h"
#include "preload/engine/python_setup.h"
#include "preload/engine/recorder.h"
#include "preload/log.h"

namespace arenatrace::preload {
namespace {

SnapshotMode g_mode = SnapshotMode::kFinal;
int g_signal_number = 0;
std::atomic<bool> g_signal_wanted{false};
ChainedSignal g_snapshot_signal;

// A snapshot is written in chunks of its own, flushed at this size.
constexpr size_t kChunkBytes = 4 << 20;
// Names longer than this (dict keys are names) are cut.
constexpr size_t kMaxNameBytes = 120;
constexpr uint8_t kNoGeneration = 0xff;

// Names are defined once per trace: the table belongs to the process that
// wrote the definitions (a fork child starts its own trace, and table).
struct NameTable {
  pid_t pid = 0;
  absl::flat_hash_map<std::string, uint64_t> ids;
};
NameTable& Names() {
  static NameTable* table = new NameTable;  // never destroyed: used until the very end
  return *table;
}

class SnapshotWriter {
 public:
  SnapshotWriter() {
    NameTable& names = Names();
    if (names.pid != getpid()) {
      names.ids.clear();
      names.pid = getpid();
    }
    encoder_.StartChunk();
  }

  template <class R>
  void Put(R& record) {
    encoder_.Put(record);
    if (rows_.size() >= kChunkBytes) WriteChunk();
  }

  // The id of `text`, defining it first if it is new.
  uint64_t Name(std::string_view text) {
    if (text.size() > kMaxNameBytes) text = text.substr(0, kMaxNameBytes);
    NameTable& names = Names();
    // Looked up first: most names are met many times, and a key is a copy.
    const auto found = names.ids.find(absl::string_view(text.data(), text.size()));
    if (found != names.ids.end()) return found->second;
    auto [it, inserted] = names.ids.try_emplace(std::string(text), names.ids.size() + 1);
    trace::SnapshotName record{it->second, it->first};
    Put(record);
    return it->second;
  }

  bool Finish() {
    WriteChunk();
    return ok_;
  }

 private:
  void WriteChunk() {
    if (rows_.empty()) return;
    if (ok_) ok_ = WriteSnapshotChunk(rows_.data(), rows_.size());
    rows_.clear();
    encoder_.StartChunk();
  }

  trace::ByteBuffer rows_;
  trace::RecordEncoder encoder_{&rows_};
  bool ok_ = true;
};

std::string Utf8(PyObject* text) {
  char buffer[kMaxNameBytes + 1];
  arenatrace_copy_utf8(text, buffer, sizeof buffer);
  return buffer;
}

// "module.QualName" for classes defined in Python, tp_name for the others
// (which C types spell "module.Name" already).
std::string TypeName(PyTypeObject* type, PyObject* module_key) {
  if (!PyType_HasFeature(type, Py_TPFLAGS_HEAPTYPE)) return type->tp_name;
  std::string name = Utf8(reinterpret_cast<PyHeapTypeObject*>(type)->ht_qualname);
  PyObject* module =
      type->tp_dict != nullptr ? PyDict_GetItemWithError(type->tp_dict, module_key) : nullptr;
  PyErr_Clear();
  if (module != nullptr && PyUnicode_Check(module)) {
    std::string module_name = Utf8(module);
    if (module_name != "builtins") name = module_name + "." + name;
  }
  return name;
}

int CollectReferent(PyObject* referent, void* context) {
  static_cast<std::vector<PyObject*>*>(context)->push_back(referent);
  return 0;
}

// The capture: objects found, in the order they are written, and what each
// one refers to.
class Capture {
 public:
  explicit Capture(SnapshotWriter* writer) : writer_(writer) {
    module_key_ = PyUnicode_InternFromString("__module__");
  }
  ~Capture() { Py_XDECREF(module_key_); }

  // `held_by_us`: a reference the snapshot's own lists hold, not counted.
  void Add(PyObject* object, uint8_t generation, bool held_by_us) {
    if (found_.Insert(object)) nodes_.push_back({object, generation, held_by_us});
  }
  // The snapshot's own lists, one per GC generation.
  void Exclude(PyObject* list) {
    if (excluded_count_ < kMaxExcluded) excluded_[excluded_count_++] = list;
  }
  void Reserve(size_t objects) { nodes_.reserve(objects); }

  void AddRoot(trace::SnapshotRootKind kind, std::string_view name, PyObject* object) {
    Add(object, kNoGeneration, false);
    roots_.push_back(
        {static_cast<uint64_t>(kind), writer_->Name(name), reinterpret_cast<uint64_t>(object)});
  }

  // Writes every object found, traversing each one; the traversal finds more.
  void WriteObjects() {
    for (size_t i = 0; i < nodes_.size(); ++i) WriteObject(nodes_[i]);
    for (trace::SnapshotRoot& root : roots_) writer_->Put(root);
    trace::SnapshotEnd end{objects_, edges_};
    writer_->Put(end);
  }

 private:
  struct Node {
    PyObject* object;
    uint8_t generation;
    bool held_by_us;
  };

  // By value: writing the object finds more, which may move nodes_.
  void WriteObject(Node node) {
    PyObject* object = node.object;
    PyTypeObject* type = Py_TYPE(object);
    referents_.clear();
    if (PyObject_IS_GC(object) && type->tp_traverse != nullptr) {
      type->tp_traverse(object, &CollectReferent, &referents_);
    }
    labels_.assign(referents_.size(), 0);
    NameEdges(object);
    uint64_t flags = 0;
    if (arenatrace_object_is_tracked(object)) flags |= trace::kObjectTracked;
    if (arenatrace_object_is_immortal(object)) flags |= trace::kObjectImmortal;
    if (node.generation != kNoGeneration) {
      flags |= static_cast<uint64_t>(node.generation + 1) << trace::kObjectGenerationShift;
    }
    trace::SnapshotObject record{reinterpret_cast<uint64_t>(object),
                                 arenatrace_object_block_offset(object),
                                 TypeNameId(type),
                                 arenatrace_object_size(object),
                                 static_cast<int64_t>(Py_REFCNT(object)) - node.held_by_us,
                                 flags};
    writer_->Put(record);
    ++objects_;
    for (size_t j = 0; j < referents_.size(); ++j) {
      PyObject* referent = referents_[j];
      if (IsExcluded(referent)) continue;
      Add(referent, kNoGeneration, false);
      trace::SnapshotEdge edge{reinterpret_cast<uint64_t>(referent), labels_[j]};
      writer_->Put(edge);
      ++edges_;
    }
    arenatrace_for_each_owned_buffer(object, &OnBuffer, this);
  }

  bool IsExcluded(PyObject* object) const {
    for (size_t i = 0; i < excluded_count_; ++i) {
      if (excluded_[i] == object) return true;
    }
    return false;
  }

  static void OnBuffer(void* context, const void* block) {
    trace::SnapshotBuffer record{reinterpret_cast<uint64_t>(block)};
    static_cast<Capture*>(context)->writer_->Put(record);
  }

  uint64_t TypeNameId(PyTypeObject* type) {
    auto [it, inserted] = type_names_.try_emplace(type, 0);
    if (inserted) it->second = writer_->Name(TypeName(type, module_key_));
    return it->second;
  }

  // Gives the first unnamed edge to `target` the name `name`.
  void NameEdge(PyObject* target, std::string_view name) {
    if (target == nullptr) return;
    for (size_t j = 0; j < referents_.size(); ++j) {
      if (referents_[j] == target && labels_[j] == 0) {
        labels_[j] = trace::EdgeLabelOfName(writer_->Name(name));
        return;
      }
    }
  }

  static void OnLocal(void* context, PyCodeObject*, PyObject* name, PyObject* value) {
    OnNamedValue(context, name, value);
  }

  static void OnNamedValue(void* context, PyObject* name, PyObject* value) {
    auto* capture = static_cast<Capture*>(context);
    capture->named_values_.try_emplace(value, name);
  }

  // dict_traverse visits the entries in their order (each value, then its
  // key unless every key is a str), the order PyDict_Next gives them: each
  // value's edge is found by walking forward, with no table of values.
  // False, having named nothing, when the orders differ.
  bool NameDictEdgesInOrder(PyObject* dict) {
    Py_ssize_t position = 0;
    PyObject* key;
    PyObject* value;
    size_t next = 0;
    dict_labels_.clear();
    while (PyDict_Next(dict, &position, &key, &value)) {
      size_t j = next;
      while (j < referents_.size() && referents_[j] != value) ++j;
      if (j == referents_.size()) return false;
      if (PyUnicode_Check(key)) dict_labels_.emplace_back(j, KeyLabel(key));
      next = j + 1;
    }
    for (const auto& [j, label] : dict_labels_) labels_[j] = label;
    return true;
  }

  // A str key's edge label; keys are shared by many dicts (attribute names).
  uint64_t KeyLabel(PyObject* key) {
    auto [it, inserted] = key_labels_.try_emplace(key, 0);
    if (inserted) it->second = trace::EdgeLabelOfName(writer_->Name(Utf8(key)));
    return it->second;
  }

  // Names every edge to a value found in `named_values_`.
  void NameEdgesByValue() {
    for (size_t j = 0; j < referents_.size(); ++j) {
      if (labels_[j] != 0) continue;
      auto it = named_values_.find(referents_[j]);
      if (it != named_values_.end()) labels_[j] = KeyLabel(it->second);
    }
  }

  // Edge names the type lets us know: a dict's str keys, list and tuple
  // indexes, the fields of functions, methods, cells, modules and classes,
  // an instance's class, dict and attributes.
  void NameEdges(PyObject* object) {
    if (referents_.empty()) return;
    named_values_.clear();
    if (PyDict_CheckExact(object) && NameDictEdgesInOrder(object)) {
      return;
    } else if (PyDict_Check(object)) {
      Py_ssize_t position = 0;
      PyObject* key;
      PyObject* value;
      while (PyDict_Next(object, &position, &key, &value)) {
        if (PyUnicode_Check(key)) named_values_.try_emplace(value, key);
      }
    } else if (PyList_CheckExact(object) || PyTuple_CheckExact(object)) {
      const bool is_list = PyList_CheckExact(object);
      const Py_ssize_t size = Py_SIZE(object);
      size_t j = 0;
      for (Py_ssize_t i = 0; i < size && j < referents_.size(); ++i) {
        PyObject* item = is_list ? PyList_GET_ITEM(object, i) : PyTuple_GET_ITEM(object, i);
        if (item == nullptr || referents_[j] != item) continue;
        labels_[j++] = trace::EdgeLabelOfIndex(static_cast<uint64_t>(i));
      }
      return;
    } else if (PyFunction_Check(object)) {
      auto* function = reinterpret_cast<PyFunctionObject*>(object);
      NameEdge(function->func_code, "__code__");
      NameEdge(function->func_globals, "__globals__");
      NameEdge(function->func_defaults, "__defaults__");
      NameEdge(function->func_kwdefaults, "__kwdefaults__");
      NameEdge(function->func_closure, "__closure__");
      NameEdge(function->func_dict, "__dict__");
      NameEdge(function->func_module, "__module__");
      NameEdge(function->func_annotations, "__annotations__");
      NameEdge(function->func_name, "__name__");
      NameEdge(function->func_qualname, "__qualname__");
      NameEdge(function->func_doc, "__doc__");
    } else if (PyMethod_Check(object)) {
      NameEdge(PyMethod_GET_FUNCTION(object), "__func__");
      NameEdge(PyMethod_GET_SELF(object), "__self__");
    } else if (PyCFunction_Check(object)) {
      NameEdge(PyCFunction_GET_SELF(object), "__self__");
    } else if (PyCell_Check(object)) {
      NameEdge(PyCell_GET(object), "cell_contents");
    } else if (PyModule_Check(object)) {
      NameEdge(PyModule_GetDict(object), "__dict__");
    } else if (PyType_Check(object)) {
      auto* type = reinterpret_cast<PyTypeObject*>(object);
      NameEdge(type->tp_dict, "__dict__");
      NameEdge(type->tp_mro, "__mro__");
      NameEdge(type->tp_bases, "__bases__");
      NameEdge(reinterpret_cast<PyObject*>(type->tp_base), "__base__");
    } else if (arenatrace_holds_frame_locals(object)) {
      // A suspended generator's locals (in its frame object before 3.11).
      NameEdge(arenatrace_generator_frame(object), "gi_frame");
      arenatrace_for_each_held_local(object, &OnLocal, this);
    } else {
      NameEdge(arenatrace_existing_instance_dict(object), "__dict__");
      arenatrace_for_each_inline_attribute(object, &OnNamedValue, this);
    }
    if (PyType_HasFeature(Py_TYPE(object), Py_TPFLAGS_HEAPTYPE)) {
      NameEdge(reinterpret_cast<PyObject*>(Py_TYPE(object)), "__class__");
    }
    if (!named_values_.empty()) NameEdgesByValue();
  }

  SnapshotWriter* writer_;
  PyObject* module_key_;
  std::vector<Node> nodes_;
  memory::AddressSet found_;
  static constexpr size_t kMaxExcluded = 3;
  PyObject* excluded_[kMaxExcluded] = {};
  size_t excluded_count_ = 0;
  absl::flat_hash_map<PyTypeObject*, uint64_t> type_names_;
  absl::flat_hash_map<PyObject*, PyObject*> named_values_;
  // Alive for the whole capture: nothing is freed while no Python code runs.
  absl::flat_hash_map<PyObject*, uint64_t> key_labels_;
  std::vector<std::pair<size_t, uint64_t>> dict_labels_;
  std::vector<trace::SnapshotRoot> roots_;
  std::vector<PyObject*> referents_;
  std::vector<uint64_t> labels_;
  uint64_t objects_ = 0;
  uint64_t edges_ = 0;
};

struct FrameRootContext {
  Capture* capture;
  unsigned long native_id;
};

void OnFrameLocal(void* context, PyCodeObject* code, PyObject* name, PyObject* value) {
  auto* frame = static_cast<FrameRootContext*>(context);
  char function[kMaxNameBytes + 1];
  char file[8];
  int first_line = 0;
  arenatrace_code_identity(code, function, sizeof function, file, sizeof file, &first_line);
  // "native thread id <tab> function <tab> variable": the analyzer names the thread.
  std::string root = std::to_string(frame->native_id) + "\t" + function + "\t" + Utf8(name);
  frame->capture->AddRoot(trace::SnapshotRootKind::kThreadFrame, root, value);
}

// Calls gc.<function>(); false (exception cleared) when that failed.
bool CallGc(PyObject* gc, const char* function, PyObject** result = nullptr) {
  PyObject* value = PyObject_CallMethod(gc, function, nullptr);
  if (value == nullptr) {
    PyErr_Clear();
    return false;
  }
  if (result != nullptr) {
    *result = value;
  } else {
    Py_DECREF(value);
  }
  return true;
}

void CaptureHeap(SnapshotWriter* writer, PyObject* gc) {
  Capture capture(writer);
  // Every tracked object, by generation. The lists are kept until the end
  // (their references are not counted) and the collector is off meanwhile:
  // no object found may be freed or move while it is being read.
  PyObject* lists[3] = {};
  size_t tracked = 0;
  for (int generation = 0; generation < 3; ++generation) {
    PyObject* list = PyObject_CallMethod(gc, "get_objects", "i", generation);
    if (list == nullptr || !PyList_Check(list)) {
      PyErr_Clear();
      Py_XDECREF(list);
      continue;
    }
    lists[generation] = list;
    capture.Exclude(list);
    tracked += PyList_GET_SIZE(list);
  }
  // Untracked objects (str, int ...) are found as referents, about as many
  // as the tracked ones in typical heaps.
  capture.Reserve(2 * tracked + 1024);
  for (int generation = 0; generation < 3; ++generation) {
    PyObject* list = lists[generation];
    if (list == nullptr) continue;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); ++i) {
      capture.Add(PyList_GET_ITEM(list, i), static_cast<uint8_t>(generation), true);
    }
  }
  // The named roots.
  PyObject* modules = PyImport_GetModuleDict();
  Py_ssize_t position = 0;
  PyObject* name;
  PyObject* module;
  while (modules != nullptr && PyDict_Next(modules, &position, &name, &module)) {
    if (PyUnicode_Check(name))
      capture.AddRoot(trace::SnapshotRootKind::kModule, Utf8(name), module);
  }
  for (PyThreadState* tstate = PyInterpreterState_ThreadHead(PyInterpreterState_Main());
       tstate != nullptr; tstate = PyThreadState_Next(tstate)) {
    FrameRootContext context{&capture, arenatrace_thread_native_id(tstate)};
    arenatrace_for_each_frame_local(tstate, &OnFrameLocal, &context);
  }
  capture.WriteObjects();
  for (PyObject* list : lists) Py_XDECREF(list);
}

void OnSnapshotSignal(int signal_number, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  g_signal_wanted.store(true, std::memory_order_relaxed);
  g_python_work_pending.store(true, std::memory_order_relaxed);
  g_snapshot_signal.CallPrevious(signal_number, info, context);
  errno = saved_errno;
}

}  // namespace

void ConfigureSnapshots(SnapshotMode mode, int signal_number) {
  g_mode = mode;
  g_signal_number = mode == SnapshotMode::kNever ? 0 : signal_number;
}

bool SnapshotAtFinalizing() { return g_mode == SnapshotMode::kFinal; }
bool SnapshotOnRequest() { return g_mode != SnapshotMode::kNever; }

void TakeHeapSnapshot(trace::SnapshotTrigger trigger, const char* label) {
  if (!SnapshotRecordingPossible()) return;  // nothing recorded (--no-trace): silently
  if (!arenatrace_snapshots_supported()) {
    // Asked for (the signal, arenatrace.snapshot()): said once, not silently ignored.
    static bool said = false;
    if (trigger != trace::SnapshotTrigger::kFinalizing && !said) {
      said = true;
      Log("no heap snapshot: this Python (free-threaded) takes none, its other threads change "
          "the heap while it would be read; the program goes on");
    }
    return;
  }
  // The roots are the main interpreter's; another interpreter's objects
  // would be joined with them.
  if (PyThreadState_Get()->interp != PyInterpreterState_Main()) return;
  PyObject *saved_type, *saved_value, *saved_traceback;
  PyErr_Fetch(&saved_type, &saved_value, &saved_traceback);
  PyObject* gc = PyImport_ImportModule("gc");
  PyObject* enabled = nullptr;
  if (gc != nullptr && CallGc(gc, "isenabled", &enabled) && CallGc(gc, "disable")) {
    SnapshotWriter writer;
    trace::SnapshotStart start{static_cast<uint64_t>(trigger), label};
    writer.Put(start);
    CaptureHeap(&writer, gc);
    if (!writer.Finish()) Log("the heap snapshot could not be written");
    if (PyObject_IsTrue(enabled) == 1) CallGc(gc, "enable");
  }
  Py_XDECREF(enabled);
  Py_XDECREF(gc);
  PyErr_Clear();
  PyErr_Restore(saved_type, saved_value, saved_traceback);
}

void InstallSnapshotSignal() {
  // Also where no snapshot can be taken: `arenatrace run` says the signal
  // asks for one, so it must not end the program with the signal's default.
  if (g_signal_number <= 0) return;
  g_snapshot_signal.Install(g_signal_number, &OnSnapshotSignal, "snapshots");
}

bool SnapshotWantedBySignal() { return g_signal_wanted.exchange(false); }

}  // namespace arenatrace::preload
