// Behavioural parameters of the decision rule (docs/model.md). Every one can be
// set under `model:` in a scenario; docs/model.md gives units, defaults and sources.
// Rates are per month and turned into per-step probabilities as 1 - exp(-rate * months).
#pragma once
#include <span>
#include <string_view>

namespace migflow {

struct ModelParams {
  // --- Aspiration and capability: the monthly hazard of leaving home ----------------
  // h = emigration_rate * exp(aspiration) * capability. With the defaults a partner
  // whose wages are a quarter of the EU's loses ~1% of its working-age population a
  // year, the order of Moldova's net emigration in the 2000s (UN DESA stocks).
  double emigration_rate = 0.0004;  // per month, at zero wage gap and unemployment
  // x ln(expected EU wage / home wage). With capability below, the hazard's elasticity
  // to the home wage is 1 - aspiration_wage_gap for the poorest households and
  // -aspiration_wage_gap for the richest. With savings_months 5 the expected hazard
  // rises with GDP per head at about +0.3 from $1,000 to $5,000 and peaks near $13,000
  // (constant 2021 PPP $): Clemens (2020, CGD WP 540) finds a within-country elasticity
  // of +0.35 before emigration slows after about $5,000 and reverses after about
  // $10,000 (docs/model.md, "The migration hump"; tests/sim/test_expectation.cpp).
  double aspiration_wage_gap = 0.5;
  double aspiration_unemployment = 3.0;  // x home unemployment share (0..1)
  double aspiration_diaspora = 0.3;      // x ln(1 + 100 * diaspora abroad / home population)
  // Capability = resources / (resources + migration_cost): savings make leaving
  // possible, so income growth can raise emigration before it lowers it (the hump).
  // Smuggling fees and travel on the Mediterranean and Eastern routes mostly range from
  // 1,000 to 5,000 USD (UNODC, Global Study on Smuggling of Migrants 2018).
  double migration_cost = 3000;      // PPP $ of a move
  double savings_months = 5.0;       // mean household resources, months of home wage (sets the hump's peak)
  double savings_dispersion = 0.8;   // sd of ln(resources) across households
  double reemigration_factor = 1.5;  // returned migrants leave again more readily

  // --- Destination choice: multinomial logit over the destinations open to the origin --
  double logit_wage = 1.5;          // x ln(destination wage)
  double logit_unemployment = 5.0;  // x destination unemployment share (negative effect)
  double logit_diaspora = 0.6;      // x ln(1 + diaspora from this origin / 1000)
  double logit_distance = 1.0;      // x ln(distance km / 1000) (negative effect)
  double logit_openness = 1.0;      // x legal openness to this origin and skill (0..1)
  // x ln(destination working-age population / 1 million): larger labour markets hold
  // more jobs and more of every diaspora. Gravity models of bilateral migration put the
  // destination-size elasticity between about 0.3 and 1; 0.5 is a starting point that
  // the calibration moves (docs/calibration.md).
  double logit_size = 0.5;
  // Ties between the origin and a destination (CEPII GeoDist, pair_ties_csv): a common
  // official language and a colonial link. Gravity models of bilateral migration find
  // both raise flows by about 0.3 to 1 log points (docs/calibration.md); 0.5 is the
  // centre of that range, and the calibration's prior.
  double logit_language = 0.5;
  double logit_colony = 0.5;

  // --- Channel ------------------------------------------------------------------------
  double legal_access = 0.25;           // share of movers with a legal route besides quotas
  double irregular_propensity = 0.5;    // of the rest, share who go irregularly (else stay)
  double crossing_interception = 0.05;  // baseline chance an external-border crossing fails

  // --- Legal channels besides the decision to leave ---------------------------------------
  // Family reunification: family members who join a regular resident abroad, per
  // resident and year, in the resident's destination. Moroccans' first permits for
  // family reasons in the EU were 2.5% (2014) to 3.1% (2023) a year of the Morocco-born
  // living there (Eurostat first permits by reason, as reported by CCME and the Moroccan
  // press, over UN DESA stocks; docs/model.md).
  double family_reunification = 0.025;
  // Students leaving with a study permit, per working-age person at home and year, to a
  // destination chosen like any mover's. Moroccans received about 10,400 first permits
  // for education in 2014 (10.8% of 96,273), 0.05% of the 21.9 million of working age.
  double study_rate = 0.0005;
  double study_months = 36;  // a study permit; at expiry, the destination's renewal rules

  // --- Short stays (visas) --------------------------------------------------------------
  // Visits follow the Schengen visas issued at the Member States' consulates in the
  // partner (short_stays_csv); at the end of a visit this share stays on (asylum or
  // irregular stay). Of Georgians travelling in the first months without a visa, 6.1%
  // had not returned (GFSIS, 2017); Frontex counted irregular stay for 0.5% of
  // Moldovans' entries (2019). 0.02 is between; fitted per partner.
  double visit_overstay = 0.02;
  // ln of the factor on visits while a visa regime is in force, against none.
  // Facilitation (cheaper, quicker visas; fewer refusals): no published effect on
  // visits, 0.15 is a reasoned small one. Liberalisation (no visa): a visa requirement
  // cuts bilateral travel by 52-63% (Neumayer 2010, Professional Geographer 62(2)) or
  // about 20% in a panel with fixed effects (Czaika & Neumayer 2017, Applied Geography
  // 84): its removal, a factor of 1.25 to 2.7; 0.7 (a factor of 2) between.
  double visa_facilitation_effect = 0.15;
  double visa_liberalisation_effect = 0.7;

  // --- After arrival ------------------------------------------------------------------
  double permit_months = 24;    // length of a regular permit
  double permit_renewal = 0.6;  // share renewing at expiry
  // Of those whose legal stay ends without renewal (a permit, or a short stay), the
  // share who stay on irregularly; the rest go home. 0.625 keeps the earlier defaults
  // (of all permits expiring, 60% renewed, 15% home, 25% overstay).
  double overstay = 0.625;
  double return_rate = 0.003;    // voluntary return, per month, of any migrant
  double detection_rate = 0.01;  // irregular migrants detected per month
  // Share of return orders executed without a readmission agreement: the EU's returns
  // over orders were about 30-40% (Eurostat migr_eirtn / migr_eiord); fitted per partner.
  double return_execution = 0.3;
  // ln of the factor on return_execution while an EU readmission agreement with the
  // partner is in force. Binding bilateral agreements raise return rates by 5-10% and EU
  // agreements show no demonstrable effect (WODC 2022, Leerkes, Maliepaard & Van der
  // Meer); EU agreements bring at most temporary increases (Stutz & Trauner 2022).
  double readmission_effect = 0.1;
  // Share of the start-of-run diaspora in the Member States who are irregular residents:
  // 1.9-3.8 million irregular residents in the EU-27 in 2008 (Clandestino: Vogel,
  // Kovacheva & Prescott 2011), about an eighth of the non-EU citizens living there.
  double initial_irregular_share = 0.12;
  double transit_give_up = 0.02;  // per month, a waiting migrant goes home

  // --- Asylum (Member States only) ------------------------------------------------------
  // Share of irregular arrivals in a Member State, and of those whose legal stay there
  // ends without renewal, who apply for asylum (fitted per partner to Eurostat's
  // first-time applicants, 2011-2015; 0.1 is the starting point).
  double asylum_application = 0.1;
  // Share of first decisions that grant protection. The partners' nationals rarely get
  // it: UNHCR counts of recognised refugees of each partner in the Member States fell
  // from 2010 to 2015 while 2,000 to 46,000 applied (Eurostat migr_asyappctza, 2011-2015).
  double asylum_recognition = 0.05;
  // Months from application to decision: the cases pending at the end of 2015 were about
  // one year of applications (UNHCR: Georgians 8,551 pending, 8,210 first applications in
  // 2015 per Eurostat; Moroccans 5,076 and 6,420).
  double asylum_decision_months = 12;
  // A protection status gives a residence permit of at least three years for refugees
  // (Directive 2011/95/EU, article 24), renewed like other permits.
  double protection_permit_months = 36;

  // --- Trafficking in human beings (docs/model.md, "Exploitation") ----------------------
  // Share of irregular arrivals who fall into exploitation by traffickers (status
  // exploited). 0: exploitation is not modelled unless a scenario sets it, since the
  // calibrations were fitted without it; no published share of irregular arrivals
  // exists (docs/model.md gives reasoning for a value to try).
  double exploitation_share = 0;
  // Monthly rate at which exploited persons are identified as victims without extra
  // capacity (the anti_trafficking module raises it). No published rate: 0.01 (a mean
  // of about eight years to identification) reflects that registered victims are held
  // to be a small part of all victims; a scenario should vary it.
  double victim_identification = 0.01;
  // Of identified victims, the share granted a residence permit; the rest are assisted
  // home. No EU-wide published share; 0.5 is neutral between the two outcomes.
  double victim_protection = 0.5;
  // A victim's residence permit is valid for at least six months (Directive 2004/81/EC,
  // article 8(3)), renewed like other permits.
  double victim_permit_months = 6;

  // --- Income and remittances -----------------------------------------------------------
  double wage_share_of_gdp = 0.55;  // monthly wage = gdp_pc_ppp * share / 12
  double irregular_income = 0.6;    // irregular migrants earn this share of the wage
  double remittance_share = 0.15;   // share of income sent home
  double remittance_cost = 0.07;    // share of a transfer lost to fees
  // Remittances sent rise by this factor per unit of transfer cost saved against
  // remittance_cost: exp(semielasticity * (remittance_cost - cost)). Kpodar & Imam (2024,
  // World Development 177) find remittances rise by more than the fees saved (about
  // +1.7% per point of cost in recorded flows, partly informal transfers becoming
  // formal); what households receive rises less: 0.8 (docs/policies.md).
  double remittance_cost_semielasticity = 0.8;
  // Of the places a Member State announces in a labour quota, the share that become
  // permits (a quota block's `places: announced`): Italy's decreto flussi 8-35%,
  // Germany's Western Balkans regulation about 38% of approvals, employer-run seasonal
  // schemes such as Huelva's near their planned contingents (docs/policies.md).
  double quota_fill = 0.5;
};

// Every parameter by name, with its valid range. Shares are in [0,1]; rates per month
// are capped at 1 (a sure event each month). `per_origin` ones describe an origin's
// people or how destinations treat them, and may be set per origin (population: -
// model:), as calibration files do; the others are the scenario's.
struct ParamSpec {
  std::string_view name;
  double ModelParams::*member;
  double lo, hi;
  bool per_origin;
};
std::span<const ParamSpec> model_param_specs();
// The calibration's observation errors (docs/calibration.md), which a posterior sample
// carries beside the model parameters: sd of ln(observed / model) per kind of data, in
// the order of analysis/observations.hpp's ObservedKind. They are the model discrepancy
// that predictive intervals of observable levels include.
// The kinds of data the calibration fits (analysis/observations.hpp's ObservedKind, in
// this order); a run file's `kind` labels.
inline constexpr std::string_view kObservedKindNames[] = {
    "stock", "detections", "asylum", "orders", "illegally_present", "returns", "employment_permits", "immigration"};
inline constexpr std::string_view kObservationErrorNames[] = {"observation_error_stocks",
                                                              "observation_error_detections",
                                                              "observation_error_asylum",
                                                              "observation_error_orders",
                                                              "observation_error_illegally_present",
                                                              "observation_error_returns",
                                                              "observation_error_employment_permits",
                                                              "observation_error_immigration"};
// The correlation of one series' observation errors between years (the same kind of
// data for the same destination): the model's bias and the source's definitions persist.
inline constexpr std::string_view kObservationErrorCorrelation = "observation_error_correlation";
// Whether `name` is one of the calibration's error terms (an observation error or
// their correlation), which a posterior sample carries beside the model parameters.
bool is_observation_error_term(std::string_view name);
const ParamSpec* find_model_param(std::string_view name);  // null when unknown

}  // namespace migflow
