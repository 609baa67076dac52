#include "model/model_params.hpp"

namespace migflow {

namespace {

constexpr ParamSpec kParams[] = {
    {"emigration_rate", &ModelParams::emigration_rate, 0, 1, true},
    {"aspiration_wage_gap", &ModelParams::aspiration_wage_gap, -20, 20, true},
    {"aspiration_unemployment", &ModelParams::aspiration_unemployment, -50, 50, true},
    {"aspiration_diaspora", &ModelParams::aspiration_diaspora, -20, 20, true},
    {"migration_cost", &ModelParams::migration_cost, 0, 1e7, true},
    {"savings_months", &ModelParams::savings_months, 0, 1200, true},
    {"savings_dispersion", &ModelParams::savings_dispersion, 0, 5, true},
    {"reemigration_factor", &ModelParams::reemigration_factor, 0, 100, true},
    {"logit_wage", &ModelParams::logit_wage, -50, 50, true},
    {"logit_unemployment", &ModelParams::logit_unemployment, -100, 100, true},
    {"logit_diaspora", &ModelParams::logit_diaspora, -50, 50, true},
    {"logit_distance", &ModelParams::logit_distance, -50, 50, true},
    {"logit_openness", &ModelParams::logit_openness, -50, 50, true},
    {"logit_size", &ModelParams::logit_size, -50, 50, true},
    {"logit_language", &ModelParams::logit_language, -50, 50, true},
    {"logit_colony", &ModelParams::logit_colony, -50, 50, true},
    {"family_reunification", &ModelParams::family_reunification, 0, 1, true},
    {"study_rate", &ModelParams::study_rate, 0, 1, true},
    {"visit_overstay", &ModelParams::visit_overstay, 0, 1, true},
    {"visa_facilitation_effect", &ModelParams::visa_facilitation_effect, -10, 10, true},
    {"visa_liberalisation_effect", &ModelParams::visa_liberalisation_effect, -10, 10, true},
    {"readmission_effect", &ModelParams::readmission_effect, -10, 10, true},
    {"initial_irregular_share", &ModelParams::initial_irregular_share, 0, 1, true},
    {"remittance_cost_semielasticity", &ModelParams::remittance_cost_semielasticity, -100, 100, true},
    {"quota_fill", &ModelParams::quota_fill, 0, 1, true},
    {"study_months", &ModelParams::study_months, 1, 600, false},
    {"irregular_propensity", &ModelParams::irregular_propensity, 0, 1, true},
    {"return_rate", &ModelParams::return_rate, 0, 1, true},
    {"transit_give_up", &ModelParams::transit_give_up, 0, 1, true},
    {"legal_access", &ModelParams::legal_access, 0, 1, true},
    {"overstay", &ModelParams::overstay, 0, 1, true},
    {"detection_rate", &ModelParams::detection_rate, 0, 1, true},
    {"asylum_application", &ModelParams::asylum_application, 0, 1, true},
    {"asylum_recognition", &ModelParams::asylum_recognition, 0, 1, true},
    {"exploitation_share", &ModelParams::exploitation_share, 0, 1, true},
    {"victim_identification", &ModelParams::victim_identification, 0, 1, true},
    {"victim_protection", &ModelParams::victim_protection, 0, 1, false},
    {"victim_permit_months", &ModelParams::victim_permit_months, 1, 600, false},
    {"asylum_decision_months", &ModelParams::asylum_decision_months, 1, 600, false},
    {"protection_permit_months", &ModelParams::protection_permit_months, 1, 600, false},
    {"crossing_interception", &ModelParams::crossing_interception, 0, 1, false},
    {"permit_months", &ModelParams::permit_months, 1, 600, false},
    {"permit_renewal", &ModelParams::permit_renewal, 0, 1, false},
    {"return_execution", &ModelParams::return_execution, 0, 1, true},
    {"wage_share_of_gdp", &ModelParams::wage_share_of_gdp, 0.01, 1, false},
    {"irregular_income", &ModelParams::irregular_income, 0, 1, false},
    {"remittance_share", &ModelParams::remittance_share, 0, 1, false},
    {"remittance_cost", &ModelParams::remittance_cost, 0, 1, false},
};

}  // namespace

std::span<const ParamSpec> model_param_specs() { return kParams; }

bool is_observation_error_term(std::string_view name) {
  for (std::string_view e : kObservationErrorNames)
    if (e == name) return true;
  return name == kObservationErrorCorrelation;
}

const ParamSpec* find_model_param(std::string_view name) {
  for (const ParamSpec& p : kParams)
    if (p.name == name) return &p;
  return nullptr;
}

}  // namespace migflow
