// What was observed, for calibration and backtests, by kind: the origins' migrant stocks
// in each destination (UN DESA, mid-year), their nationals' irregular border-crossing
// detections at the EU's external border (Frontex), first-time asylum applicants,
// orders to leave, persons found illegally present (Eurostat, per calendar year, summed
// over the Member States), returns to a country outside the EU and first permits for
// employment and immigration (Eurostat, per Member State and year).
//
// The fit/test split lives here: a calibration reads observations only up to its fit
// cut-off (`up_to`); everything later is for testing. The cut-off is a setting (2015 for
// the published backtest, kFitCutoff; the last year with data for projections).
#pragma once
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "model/model_params.hpp"
#include "sim/world.hpp"

namespace migflow {

inline constexpr int kFitCutoff = 2015;

// The kinds of data, each with its own observation error (observation_error_<name>,
// model_params.hpp, in this order).
enum class ObservedKind : std::uint8_t {
  Stock,              // persons resident in a destination, mid-year (origin, destination)
  Detections,         // illegal border crossings detected into the EU, a year (origin)
  Asylum,             // first-time asylum applicants in the Member States, a year (origin)
  Orders,             // ordered to leave the Member States, a year (origin)
  IllegallyPresent,   // found illegally present in the Member States, a year (origin)
  Returns,            // returned to a country outside the EU, a year (origin, Member State)
  EmploymentPermits,  // first residence permits for employment, a year (origin, Member State)
  Immigration,        // immigrants (all reasons), a year (origin, Member State)
};
inline constexpr int kObservedKinds = 8;
// Whether a kind's values are per Member State (or destination); else yearly totals over
// the Member States.
inline constexpr bool observed_by_destination(ObservedKind k) {
  return k == ObservedKind::Stock || k == ObservedKind::Returns || k == ObservedKind::EmploymentPermits ||
         k == ObservedKind::Immigration;
}
static_assert(std::size(kObservedKindNames) == kObservedKinds && std::size(kObservationErrorNames) == kObservedKinds,
              "one name and one observation error per kind of data");

// One observed value, at dense indices of a world (destination -1 for a total over the
// Member States).
struct Observation {
  int origin = 0, destination = -1, year = 0;
  double value = 0;
};

struct Observations {
  std::array<std::vector<Observation>, kObservedKinds> of;
  std::vector<Observation>& operator[](ObservedKind k) { return of[static_cast<int>(k)]; }
  const std::vector<Observation>& operator[](ObservedKind k) const { return of[static_cast<int>(k)]; }

  // The observations of years up to `cutoff`: what a calibration with that cut-off may read.
  Observations up_to(int cutoff) const { return between(0, cutoff); }
  // The observations of years in [first, last].
  Observations between(int first, int last) const;
  // Observed stock of (origin, destination) in `year`, or -1 when none is recorded.
  double stock(int origin, int destination, int year) const;
};

// Where the observations are: CSV files as in scenarios/data (its README describes them).
struct ObservationFiles {
  // origin,destination,persons,year: diaspora.csv, or diaspora_rev2024.csv and
  // diaspora_2024.csv (the 2024 revision's 2005-2020 and 2024 stocks)
  std::vector<std::string> stocks;
  std::string detections;   // origin,year,...,detections (frontex_detections.csv); empty: none
  std::string asylum;       // origin,destination,year,applicants (asylum_applications.csv); empty: none
  std::string enforcement;  // enforcement.csv: orders, returns, illegally present; empty: none
  std::string permits;      // origin,destination,year,permits (employment_permits.csv); empty: none
  std::string immigration;  // origin,destination,year,immigrants (immigration.csv); empty: none
};

// The bundled tables in `data_dir` (scenarios/data), with stocks of one UN DESA revision
// ("2020" or "2024").
ObservationFiles bundled_observations(const std::string& data_dir, const std::string& revision = "2020");

// Reads the files for the world's origins and destinations. Rows about other countries
// are skipped. Throws InputError naming the file, line and column of a bad cell.
Observations read_observations(const ObservationFiles& files, const World& world);

}  // namespace migflow
