#include "output/hdf5.hpp"

#include <hdf5_hl.h>

#include <algorithm>
#include <stdexcept>

namespace migflow::hdf5 {

namespace {
constexpr std::size_t kConversionBufferBytes = 64 * 1024;  // per write of a coordinate
}  // namespace

std::string error_message() {
  std::string message;
  auto innermost = [](unsigned n, const H5E_error2_t* err, void* out) -> herr_t {
    if (n == 0 && err->desc != nullptr) *static_cast<std::string*>(out) = err->desc;
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &message);
  H5Eclear2(H5E_DEFAULT);
  return message.empty() ? "unknown HDF5 error" : message;
}

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what + ": " + error_message()); }

void check(herr_t status, const std::string& what) {
  if (status < 0) fail(what);
}

Handle group_plist() {
  Handle plist(H5Pcreate(H5P_GROUP_CREATE), H5Pclose, "creating group property list");
  check(H5Pset_link_creation_order(plist, kCreationOrder), "setting link creation order");
  check(H5Pset_attr_creation_order(plist, kCreationOrder), "setting attribute creation order");
  check(H5Pset_obj_track_times(plist, false), "disabling group timestamps");
  return plist;
}

Handle dataset_plist() {
  Handle plist(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, "creating dataset property list");
  check(H5Pset_attr_creation_order(plist, kCreationOrder), "setting attribute creation order");
  check(H5Pset_obj_track_times(plist, false), "disabling dataset timestamps");
  return plist;
}

Handle create_group(hid_t parent, const std::string& name) {
  Handle plist = group_plist();
  return Handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, plist, H5P_DEFAULT), H5Gclose,
                "creating group '" + name + "'");
}

void write_text_attribute(hid_t object, const std::string& name, const std::string& value) {
  const std::string what = "writing attribute '" + name + "'";
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, what);
  check(H5Tset_size(type, std::max<std::size_t>(value.size(), 1)), what);
  check(H5Tset_strpad(type, H5T_STR_NULLTERM), what);
  check(H5Tset_cset(type, H5T_CSET_UTF8), what);  // the loader admits only UTF-8 text
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, what);
  Handle attr(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, what);
  check(H5Awrite(attr, type, value.c_str()), what);
}

void write_number_attribute(hid_t object, const std::string& name, hid_t type, const void* value) {
  const std::string what = "writing attribute '" + name + "'";
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, what);
  Handle attr(H5Acreate2(object, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose, what);
  check(H5Awrite(attr, type, value), what);
}

Handle create_dataset(hid_t loc, const std::string& name, hid_t type, const std::vector<hsize_t>& shape, hid_t plist) {
  const std::string what = "creating dataset '" + name + "'";
  Handle space(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr), H5Sclose, what);
  return Handle(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, plist, H5P_DEFAULT), H5Dclose, what);
}

Handle write_vector(hid_t loc, const std::string& name, hid_t type, std::size_t n, const void* data) {
  Handle plist = dataset_plist();
  Handle dataset = create_dataset(loc, name, type, {static_cast<hsize_t>(n)}, plist);
  if (n == 0) return dataset;
  // Strings are converted on the way in; HDF5's default conversion buffers are 1 MiB
  // each, zero-filled on every write, which made the file's fixed cost ~0.1 s.
  // Conversion runs in pieces, so a small buffer only needs to hold one element.
  Handle transfer(H5Pcreate(H5P_DATASET_XFER), H5Pclose, "creating transfer properties");
  check(H5Pset_buffer(transfer, kConversionBufferBytes, nullptr, nullptr), "sizing the conversion buffer");
  check(H5Dwrite(dataset, type, H5S_ALL, H5S_ALL, transfer, data), "writing dataset '" + name + "'");
  return dataset;
}

Handle write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "creating string type");
  check(H5Tset_size(type, H5T_VARIABLE), "creating string type");
  check(H5Tset_cset(type, H5T_CSET_UTF8), "creating string type");
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : values) pointers.push_back(v.c_str());
  return write_vector(loc, name, type, pointers.size(), pointers.data());
}

void make_scale(hid_t dataset, const std::string& name) {
  check(H5DSset_scale(dataset, name.c_str()), "making '" + name + "' a dimension scale");
}

void attach_scale(hid_t dataset, hid_t scale, unsigned axis, const std::string& name) {
  check(H5DSattach_scale(dataset, scale, axis), "attaching dimension '" + name + "'");
}

}  // namespace migflow::hdf5
