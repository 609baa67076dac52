// HDF5 for migflow's files: owned handles, errors as exceptions, and groups, datasets,
// attributes and dimension scales created the way netCDF-4 readers expect them
// (creation order tracked, no timestamps, text attributes as fixed-length strings).
#pragma once
#include <hdf5.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace migflow::hdf5 {

// The most specific message on HDF5's error stack (where the error was first
// detected), then clears the stack.
std::string error_message();
// Throws std::runtime_error("<what>: <HDF5's message>").
[[noreturn]] void fail(const std::string& what);
void check(herr_t status, const std::string& what);

// Owns one hid_t and closes it with the function matching its kind
// (H5Fclose, H5Gclose, H5Dclose, ...).
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle() = default;
  Handle(hid_t id, Closer closer, const std::string& what) : id_(id), closer_(closer) {
    if (id_ < 0) fail(what);
  }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      release();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { release(); }

  operator hid_t() const { return id_; }  // NOLINT: lets handles go straight into H5 calls

  // Closing can flush buffered data, so on the success path the result matters;
  // the destructor (error paths) ignores it.
  void close(const std::string& what) {
    const herr_t status = closer_(std::exchange(id_, H5I_INVALID_HID));
    check(status, what);
  }

 private:
  void release() noexcept {
    if (id_ >= 0) closer_(std::exchange(id_, H5I_INVALID_HID));
  }

  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// Turns off HDF5's printing of its error stack for the lifetime of the object;
// errors are reported through exceptions instead.
class QuietHdf5Errors {
 public:
  QuietHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietHdf5Errors(const QuietHdf5Errors&) = delete;
  QuietHdf5Errors& operator=(const QuietHdf5Errors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

inline constexpr unsigned kCreationOrder = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;

// netCDF-4 needs link and attribute creation order on every group. Object
// timestamps are off so that identical runs give byte-identical files.
Handle group_plist();
Handle dataset_plist();
Handle create_group(hid_t parent, const std::string& name);
// netCDF reads fixed-length string attributes as text (NC_CHAR); an empty value is
// stored as one NUL byte (a zero size is not allowed).
void write_text_attribute(hid_t object, const std::string& name, const std::string& value);
// `type` is a native HDF5 type matching *value.
void write_number_attribute(hid_t object, const std::string& name, hid_t type, const void* value);
Handle create_dataset(hid_t loc, const std::string& name, hid_t type, const std::vector<hsize_t>& shape, hid_t plist);
// A contiguous 1-D dataset holding `n` values of native `type` from `data`.
Handle write_vector(hid_t loc, const std::string& name, hid_t type, std::size_t n, const void* data);
// Variable-length UTF-8 strings: netCDF's NC_STRING.
Handle write_strings(hid_t loc, const std::string& name, const std::vector<std::string>& values);
void make_scale(hid_t dataset, const std::string& name);
void attach_scale(hid_t dataset, hid_t scale, unsigned axis, const std::string& name);

}  // namespace migflow::hdf5
