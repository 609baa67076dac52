// What the libFuzzer targets share: a per-process temporary folder, writing a file in
// it, and the rule that only the expected exceptions may escape a stage.
#pragma once
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <typeinfo>

namespace migflow::fuzz {

namespace fs = std::filesystem;

// A folder of this process's own, removed at exit (`name`: the target, for messages).
inline fs::path make_temp_dir(const char* name) {
  static fs::path dir;
  std::string tmpl = (fs::temp_directory_path() / (std::string("migflow-") + name + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) {
    std::perror("mkdtemp");
    std::abort();
  }
  dir = tmpl;
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(dir, ec);
  });
  return dir;
}

inline void write_file(const fs::path& p, std::string_view bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", p.c_str());
    std::abort();
  }
}

[[noreturn]] inline void finding(const std::string& what, const char* stage) {
  std::fprintf(stderr, "fuzz: FINDING in %s: %s\n", stage, what.c_str());
  std::abort();
}

// Runs `f`: returns true when it ends normally, false when it throws an `Expected`
// (the normal refusal of bad input); anything else escaping is a finding.
template <class Expected, class F>
bool refuses_or_runs(const char* stage, F&& f) {
  try {
    f();
    return true;
  } catch (const Expected&) {
    return false;
  } catch (const std::exception& e) {
    finding(std::string(typeid(e).name()) + " escaped: " + e.what(), stage);
  } catch (...) {
    finding("a non-std exception escaped", stage);
  }
}

// Runs `f`, which must not throw at all.
template <class F>
void must_run(const char* stage, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    finding(std::string(typeid(e).name()) + " escaped: " + e.what(), stage);
  } catch (...) {
    finding("a non-std exception escaped", stage);
  }
}

}  // namespace migflow::fuzz
