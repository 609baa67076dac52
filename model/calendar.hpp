// Calendar: steps of `step_months` months from a start month to an end month.
#pragma once
#include <string>

namespace migflow {

struct YearMonth {
  int year = 2005;
  int month = 1;  // 1..12
  int index() const { return year * 12 + (month - 1); }
  static YearMonth from_index(int i) { return {i / 12, i % 12 + 1}; }
  std::string str() const;  // "2005-01"
  // Parses "YYYY-MM"; returns false when malformed.
  static bool parse(const std::string& text, YearMonth& out);
};

struct Calendar {
  YearMonth start;
  YearMonth end;  // inclusive: the last step starts in this month or earlier
  int step_months = 1;

  int steps() const { return (end.index() - start.index()) / step_months + 1; }
  YearMonth date(int step) const { return YearMonth::from_index(start.index() + step * step_months); }
  // Fractional calendar year at the middle of a step, for interpolating yearly series.
  double year(int step) const { return (start.index() + step * step_months) / 12.0 + step_months / 24.0; }
  // First step whose date is at or after `when` (steps() if none).
  int step_at(const YearMonth& when) const;
};

}  // namespace migflow
