#include "model/calendar.hpp"

#include <cstdio>

namespace migflow {

std::string YearMonth::str() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  return buf;
}

bool YearMonth::parse(const std::string& text, YearMonth& out) {
  int y = 0, m = 0;
  char extra = 0;
  if (std::sscanf(text.c_str(), "%d-%d%c", &y, &m, &extra) != 2) return false;
  if (text.size() != 7 || y < 1900 || y > 2200 || m < 1 || m > 12) return false;
  out = {y, m};
  return true;
}

int Calendar::step_at(const YearMonth& when) const {
  const int delta = when.index() - start.index();
  if (delta <= 0) return 0;
  const int s = (delta + step_months - 1) / step_months;
  return s < steps() ? s : steps();
}

}  // namespace migflow
