// The memory of a file built in memory by HDF5's core driver (output/run_file_writer.cpp).
#pragma once
#include <hdf5.h>
#include <sys/mman.h>

#include <cstddef>
#include <cstring>
#include <map>

namespace migflow {

// The in-memory file's buffer, which HDF5's core driver allocates through file image
// callbacks: the finished image is written to disk from where HDF5 built it (no copy),
// and its pages are mapped in one call (MAP_POPULATE). Page by page, first touches cost
// about 4 ms per MB on the project's virtual machine, as much as encoding the chunks.
class ImageMemory {
 public:
  ImageMemory() = default;
  ImageMemory(const ImageMemory&) = delete;
  ImageMemory& operator=(const ImageMemory&) = delete;
  ~ImageMemory() { unmap(final_, final_capacity_); }

  H5FD_file_image_callbacks_t callbacks() {
    return {&ImageMemory::on_malloc,
            &ImageMemory::on_memcpy,
            &ImageMemory::on_realloc,
            &ImageMemory::on_free,
            [](void* udata) { return udata; },
            [](void*) -> herr_t { return 0; },
            this};
  }
  // The buffer HDF5 let go of when it closed the file (null before).
  const unsigned char* image() const { return static_cast<const unsigned char*>(final_); }

 private:
  static void* map(std::size_t size) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
  }
  static void unmap(void* p, std::size_t size) {
    if (p != nullptr) ::munmap(p, size);
  }
  static void* on_malloc(std::size_t size, H5FD_file_image_op_t, void* udata) {
    auto* self = static_cast<ImageMemory*>(udata);
    void* p = map(size);
    if (p != nullptr) self->capacity_[p] = size;
    return p;
  }
  static void* on_memcpy(void* dest, const void* src, std::size_t size, H5FD_file_image_op_t, void*) {
    return std::memcpy(dest, src, size);
  }
  static void* on_realloc(void* ptr, std::size_t size, H5FD_file_image_op_t op, void* udata) {
    auto* self = static_cast<ImageMemory*>(udata);
    if (ptr == nullptr) return on_malloc(size, op, udata);
    const std::size_t old = self->capacity_.at(ptr);
    void* p = ::mremap(ptr, old, size, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) return nullptr;
    self->capacity_.erase(ptr);
    self->capacity_[p] = size;
    return p;
  }
  static herr_t on_free(void* ptr, H5FD_file_image_op_t op, void* udata) {
    auto* self = static_cast<ImageMemory*>(udata);
    if (ptr == nullptr) return 0;
    const std::size_t size = self->capacity_.at(ptr);
    self->capacity_.erase(ptr);
    if (op == H5FD_FILE_IMAGE_OP_FILE_CLOSE && self->final_ == nullptr) {
      self->final_ = ptr;  // the finished file: kept for writing
      self->final_capacity_ = size;
    } else {
      unmap(ptr, size);
    }
    return 0;
  }

  std::map<void*, std::size_t> capacity_;  // mapped size of every buffer handed out
  void* final_ = nullptr;
  std::size_t final_capacity_ = 0;
};

}  // namespace migflow
