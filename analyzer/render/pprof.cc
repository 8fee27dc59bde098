#include "analyzer/render/pprof.h"

#include <google/protobuf/io/gzip_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "analyzer/model/text.h"
#include "profile.pb.h"

namespace arenatrace::analyzer {
namespace {

class StringTable {
 public:
  explicit StringTable(perftools::profiles::Profile* profile) : profile_(profile) { Index(""); }
  // profile.proto's strings are proto3 `string`s: UTF-8, or readers refuse the file.
  int64_t Index(const std::string& raw) {
    const std::string text = ValidUtf8(raw);
    auto [it, inserted] = index_.try_emplace(text, static_cast<int64_t>(index_.size()));
    if (inserted) profile_->add_string_table(text);
    return it->second;
  }

 private:
  perftools::profiles::Profile* profile_;
  absl::flat_hash_map<std::string, int64_t> index_;
};

}  // namespace

bool PprofBytes(const StackProfile& profile, uint64_t start_unix_micros, uint64_t duration_micros,
                std::string* out, std::string* error) {
  perftools::profiles::Profile p;
  StringTable strings(&p);
  auto sample_type = [&](const char* type, const char* unit) {
    perftools::profiles::ValueType* v = p.add_sample_type();
    v->set_type(strings.Index(type));
    v->set_unit(strings.Index(unit));
  };
  sample_type("alloc_objects", "count");
  sample_type("alloc_space", "bytes");
  sample_type("inuse_objects", "count");
  sample_type("inuse_space", "bytes");
  p.set_default_sample_type(strings.Index("inuse_space"));
  p.set_time_nanos(static_cast<int64_t>(start_unix_micros) * 1000);
  p.set_duration_nanos(static_cast<int64_t>(duration_micros) * 1000);
  p.add_comment(strings.Index(absl::StrCat("arenatrace: inuse = ", profile.measure)));

  // One function and one location per profile frame (ids from 1).
  for (size_t i = 0; i < profile.frames().size(); ++i) {
    const ProfileFrame& frame = profile.frames()[i];
    perftools::profiles::Function* function = p.add_function();
    function->set_id(i + 1);
    function->set_name(strings.Index(frame.function));
    function->set_system_name(function->name());
    function->set_filename(strings.Index(frame.file));
    function->set_start_line(frame.first_line);
    perftools::profiles::Location* location = p.add_location();
    location->set_id(i + 1);
    perftools::profiles::Line* line = location->add_line();
    line->set_function_id(i + 1);
    line->set_line(frame.line);
  }
  const auto& nodes = profile.nodes();
  for (uint32_t i = 1; i < nodes.size(); ++i) {
    const ProfileValues& v = nodes[i].self;
    if (v.empty()) continue;
    perftools::profiles::Sample* sample = p.add_sample();
    for (uint32_t frame : profile.FramesOf(i)) sample->add_location_id(frame + 1);  // leaf first
    sample->add_value(v.alloc_count);
    sample->add_value(v.alloc_bytes);
    sample->add_value(v.count);
    sample->add_value(v.bytes);
  }
  out->clear();
  {
    google::protobuf::io::StringOutputStream raw(out);
    google::protobuf::io::GzipOutputStream::Options options;
    options.format = google::protobuf::io::GzipOutputStream::GZIP;
    google::protobuf::io::GzipOutputStream gzip(&raw, options);
    if (!p.SerializeToZeroCopyStream(&gzip) || !gzip.Close()) {
      *error = "the protobuf library could not write the profile";
      return false;
    }
  }
  return true;
}

}  // namespace arenatrace::analyzer
