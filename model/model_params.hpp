// Behavioural parameters of the decision rule (docs/model.md). Every one can be
// set under `model:` in a scenario; docs/model.md gives units, defaults and sources.
// Rates are per month and turned into per-step probabilities as 1 - exp(-rate * months).
#pragma once

namespace migflow {

struct ModelParams {
  // --- Aspiration and capability: the monthly hazard of leaving home ----------------
  // h = emigration_rate * exp(aspiration) * capability. With the defaults a partner
  // whose wages are a quarter of the EU's loses ~1% of its working-age population a
  // year, the order of Moldova's net emigration in the 2000s (UN DESA stocks).
  double emigration_rate = 0.0004;       // per month, at zero wage gap and unemployment
  double aspiration_wage_gap = 0.8;      // x ln(expected EU wage / home wage)
  double aspiration_unemployment = 3.0;  // x home unemployment share (0..1)
  double aspiration_diaspora = 0.3;      // x ln(1 + 100 * diaspora abroad / home population)
  // Capability = resources / (resources + migration_cost): savings make leaving
  // possible, so income growth can raise emigration before it lowers it (the hump).
  // Smuggling fees and travel on the Mediterranean and Eastern routes mostly range from
  // 1,000 to 5,000 USD (UNODC, Global Study on Smuggling of Migrants 2018).
  double migration_cost = 3000;      // PPP $ of a move
  double savings_months = 4.0;       // mean household resources, months of home wage
  double savings_dispersion = 0.8;   // sd of ln(resources) across households
  double reemigration_factor = 1.5;  // returned migrants leave again more readily

  // --- Destination choice: multinomial logit over Member States -----------------------
  double logit_wage = 1.5;          // x ln(destination wage)
  double logit_unemployment = 5.0;  // x destination unemployment share (negative effect)
  double logit_diaspora = 0.6;      // x ln(1 + diaspora from this origin / 1000)
  double logit_distance = 1.0;      // x ln(distance km / 1000) (negative effect)
  double logit_openness = 1.0;      // x legal openness to this origin and skill (0..1)

  // --- Channel ------------------------------------------------------------------------
  double legal_access = 0.25;           // share of movers with a legal route besides quotas
  double irregular_propensity = 0.5;    // of the rest, share who go irregularly (else stay)
  double crossing_interception = 0.05;  // baseline chance an external-border crossing fails

  // --- After arrival ------------------------------------------------------------------
  double permit_months = 24;      // length of a regular permit
  double permit_renewal = 0.6;    // share renewing at expiry
  double permit_return = 0.15;    // share returning home at expiry (rest overstay)
  double return_rate = 0.003;     // voluntary return, per month, of any migrant
  double detection_rate = 0.01;   // irregular migrants detected per month
  double return_execution = 0.3;  // share of return orders executed without agreement
  double transit_give_up = 0.02;  // per month, a waiting migrant goes home

  // --- Income and remittances -----------------------------------------------------------
  double wage_share_of_gdp = 0.55;  // monthly wage = gdp_pc_ppp * share / 12
  double irregular_income = 0.6;    // irregular migrants earn this share of the wage
  double remittance_share = 0.15;   // share of income sent home
  double remittance_cost = 0.07;    // share of a transfer lost to fees
};

}  // namespace migflow
