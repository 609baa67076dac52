// A minimal binary encoding for checkpoints: little-endian PODs, length-prefixed
// vectors and strings. The reader checks every length against what is left, so a
// truncated or corrupt file raises CorruptData instead of reading out of bounds.
#pragma once
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace migflow {

struct CorruptData : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// CRC-32 (zlib's) of `size` bytes.
std::uint32_t checksum32(const void* data, std::size_t size);

class BinaryWriter {
 public:
  template <class T>
  void put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const char*>(&value);
    bytes_.insert(bytes_.end(), p, p + sizeof(T));
  }
  template <class T>
  void put_vector(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<std::uint64_t>(v.size());
    const auto* p = reinterpret_cast<const char*>(v.data());
    bytes_.insert(bytes_.end(), p, p + v.size() * sizeof(T));
  }
  // A large array, deflated in blocks side by side (agent state, where most agents
  // share a few values), for disks and networks.
  template <class T>
  void put_compressed(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<std::uint64_t>(v.size());
    put_compressed_bytes(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void put_string(const std::string& s) {
    put<std::uint64_t>(s.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
  }
  // Appends the length and a CRC-32 of everything written so far: a reader made with
  // BinaryReader::sealed() then finds any flipped bit, truncation or trailing bytes.
  void seal();
  const std::vector<char>& bytes() const { return bytes_; }
  void reserve(std::size_t n) { bytes_.reserve(bytes_.size() + n); }  // n more bytes

 private:
  void put_compressed_bytes(const char* data, std::size_t size);
  std::vector<char> bytes_;
};

class BinaryReader {
 public:
  BinaryReader(const char* data, std::size_t size) : p_(data), left_(size) {}
  // A reader of what BinaryWriter::seal() wrote, once the whole of it is verified (throws
  // CorruptData otherwise); it reads the contents without the seal.
  static BinaryReader sealed(const char* data, std::size_t size);
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, take(sizeof(T)), sizeof(T));
    return value;
  }
  template <class T>
  std::vector<T> get_vector() {
    const std::uint64_t n = get<std::uint64_t>();
    if (n > left_ / sizeof(T)) throw CorruptData("vector longer than the data left");
    std::vector<T> v(n);
    if (n > 0) std::memcpy(v.data(), take(n * sizeof(T)), n * sizeof(T));  // an empty vector's data() may be null
    return v;
  }
  template <class T>
  std::vector<T> get_compressed() {
    static_assert(std::is_trivially_copyable_v<T>);
    const std::uint64_t n = get<std::uint64_t>();
    // Deflate shrinks data at most about 1032-fold: a longer claim is corrupt.
    if (n > left_ / sizeof(T) * 1100 + 1100) throw CorruptData("array longer than the data left");
    std::vector<T> v(n);
    get_compressed_bytes(reinterpret_cast<char*>(v.data()), n * sizeof(T));
    return v;
  }
  std::string get_string() {
    const std::uint64_t n = get<std::uint64_t>();
    if (n > left_) throw CorruptData("string longer than the data left");
    return std::string(take(n), n);
  }
  bool at_end() const { return left_ == 0; }

 private:
  void get_compressed_bytes(char* out, std::size_t size);
  const char* take(std::size_t n) {
    if (n > left_) throw CorruptData("truncated");
    const char* at = p_;
    p_ += n;
    left_ -= n;
    return at;
  }
  const char* p_;
  std::size_t left_;
};

}  // namespace migflow
