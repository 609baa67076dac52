// What was observed, for calibration and backtests: the origins' migrant stocks in each
// destination (UN DESA, mid-year), their nationals' irregular border-crossing
// detections at the EU's external border (Frontex, per calendar year) and their
// first-time asylum applicants in the Member States (Eurostat, per calendar year).
//
// The fit/test split lives here: calibration reads observations only up to the fit
// cut-off (kFitCutoff, 2015: UN DESA 2005, 2010 and 2015; Frontex and Eurostat up to
// 2015); everything later is for testing only. `up_to` refuses a later cut-off.
#pragma once
#include <string>
#include <vector>

#include "sim/world.hpp"

namespace migflow {

inline constexpr int kFitCutoff = 2015;

// One observed value, at dense indices of a world (destination -1 for an origin total).
struct Observation {
  int origin = 0, destination = -1, year = 0;
  double value = 0;
};

struct Observations {
  std::vector<Observation> stocks;      // persons, mid-year (origin, destination, year)
  std::vector<Observation> detections;  // per calendar year, summed over routes
  std::vector<Observation> asylum;      // first-time applicants per calendar year, all Member States

  // The observations of years up to `last_year` (<= kFitCutoff, else std::invalid_argument).
  Observations up_to(int last_year) const;
  // The observations of years in [first, last], for testing.
  Observations between(int first, int last) const;
  // Observed stock of (origin, destination) in `year`, or -1 when none is recorded.
  double stock(int origin, int destination, int year) const;
};

// Where the observations are: CSV files as in scenarios/data (docs in its README).
struct ObservationFiles {
  std::string stocks;      // origin,destination,persons,year (diaspora.csv or diaspora_rev2024.csv)
  std::string detections;  // origin,year,...,detections (frontex_detections.csv); empty: none
  std::string asylum;      // origin,destination,year,applicants (asylum_applications.csv); empty: none
};

// The bundled tables in `data_dir` (scenarios/data), with stocks of one UN DESA revision
// ("2020" or "2024").
ObservationFiles bundled_observations(const std::string& data_dir, const std::string& revision = "2020");

// Reads the files for the world's origins and destinations. Rows about other countries
// are skipped. Throws InputError naming the file, line and column of a bad cell.
Observations read_observations(const ObservationFiles& files, const World& world);

}  // namespace migflow
