// Importers on the real files' quirks (data/ copies; the shared set where noted) and on
// small inline fixtures for every bad-input case.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "spotsweep/detail/json.hpp"
#include "spotsweep/detail/memory.hpp"
#include "spotsweep/market/importers.hpp"

#include "../../support/trace_test_support.hpp"

namespace spotsweep {
namespace {

using testing::expect_input_error;
using testing::repo_data;
using testing::shared_traces;
using testing::write_file;

ImportOptions options_for(TraceFormat format, const std::string& input) {
  ImportOptions o;
  o.format = format;
  o.input = input;
  return o;
}

ImportOptions v100_csv_options() {
  ImportOptions o =
      options_for(TraceFormat::skynomad_csv, repo_data("skynomad/us-east-1a_v100_1.csv"));
  o.prices = repo_data("skynomad/v100_spot_prices.json");
  o.convention = Convention::available;
  o.tick_seconds = 195.0;
  o.od_price = 3.06;
  return o;
}

int64_t sum(const std::vector<int32_t>& v) {
  return std::accumulate(v.begin(), v.end(), int64_t{0});
}

// ---- SkyNomad V100 CSV + price JSON --------------------------------------------------------

TEST(SkynomadCsv, ImportsAvailabilityAndPerTickPrices) {
  const Trace t = import_trace(v100_csv_options());
  EXPECT_EQ(t.n_slots(), 20158);
  EXPECT_EQ(t.tick_seconds, 195.0);
  EXPECT_EQ(t.od_price, 3.06);
  EXPECT_EQ(t.capacity, 1);
  EXPECT_EQ(t.name, "us-east-1a_v100_1");
  EXPECT_EQ(t.start_time, "2023-02-15T22:08:16");
  EXPECT_EQ(sum(t.spot_avail), 3360);  // counted independently in the shared README's data
  EXPECT_EQ(t.spot_price.front(), 1.6703);
  const auto [lo, hi] = std::minmax_element(t.spot_price.begin(), t.spot_price.end());
  EXPECT_GE(*lo, 0.918);
  EXPECT_LE(*hi, 1.8464);
  EXPECT_NE(t.source.find("convention=available"), std::string::npos);
}

TEST(SkynomadCsv, TickMustAgreeWithTimestamps) {
  ImportOptions o = v100_csv_options();
  o.tick_seconds = 600.0;  // the "10-minute probes" of the upstream README: wrong here
  expect_input_error([&] { import_trace(o); }, {"us-east-1a_v100_1.csv:3", "date", "tick"});
  o.tick_seconds = 190.0;  // rounds to one tick per row, but the mean spacing is 195.35 s
  expect_input_error([&] { import_trace(o); }, {"us-east-1a_v100_1.csv", "tick_seconds", "195.3"});
  o.tick_seconds = 97.5;  // every row would leave a one-tick gap
  expect_input_error([&] { import_trace(o); }, {"us-east-1a_v100_1.csv:3", "gap"});
  o.tick_seconds.reset();
  expect_input_error([&] { import_trace(o); }, {"us-east-1a_v100_1.csv", "--tick", "required"});
}

TEST(SkynomadCsv, KeySelectsThePriceSeries) {
  ImportOptions o = v100_csv_options();
  o.key = "us-west-2b_v100_1";
  const Trace other = import_trace(o);
  EXPECT_EQ(other.name, "us-west-2b_v100_1");
  EXPECT_NE(other.spot_price, import_trace(v100_csv_options()).spot_price);
  o.key = "us-east-9z_v100_1";
  expect_input_error([&] { import_trace(o); },
                     {"v100_spot_prices.json", "--key", "us-east-9z_v100_1", "us-east-1a_v100_1"});
}

TEST(SkynomadCsv, AgreesWithSkypilotOrgReleaseOfTheSameZone) {
  const std::string skypilot =
      shared_traces("skypilot-org/availability/1-node/aws-02-15-2023/us-east-1a_v100_1.json");
  if (!testing::exists(skypilot)) GTEST_SKIP() << "shared reference data not present";
  ImportOptions o = options_for(TraceFormat::skypilot_json, skypilot);
  o.convention = Convention::available;
  o.spot_price = 1.0;
  o.od_price = 3.06;
  const Trace from_json = import_trace(o);
  const Trace from_csv = import_trace(v100_csv_options());
  EXPECT_EQ(from_json.tick_seconds, 195.0);  // gap_seconds, as the CSV's time stamps confirm
  EXPECT_EQ(from_json.spot_avail, from_csv.spot_avail);
}

// ---- conventions ---------------------------------------------------------------------------

TEST(Convention, PreemptedIsTheComplementOfAvailable) {
  const std::string available = write_file(
      "conv_available.json", R"({"metadata": {"gap_seconds": 600}, "data": [1, 0, 0, 1, 1]})");
  const std::string preempted = write_file(
      "conv_preempted.json", R"({"metadata": {"gap_seconds": 600}, "data": [0, 1, 1, 0, 0]})");
  ImportOptions o = options_for(TraceFormat::skypilot_json, available);
  o.convention = Convention::available;
  o.spot_price = 0.9;
  o.od_price = 3.06;
  const Trace a = import_trace(o);
  o.input = preempted;
  o.convention = Convention::preempted;
  const Trace b = import_trace(o);
  EXPECT_EQ(a.spot_avail, b.spot_avail);
  EXPECT_EQ(a.spot_avail, (std::vector<int32_t>{1, 0, 0, 1, 1}));
  o.convention.reset();
  expect_input_error([&] { import_trace(o); }, {"conv_preempted.json", "--convention", "required"});
}

TEST(Convention, PreemptedRefusesCounts) {
  const std::string counts =
      write_file("conv_counts.json", R"({"metadata": {"gap_seconds": 300}, "data": [4, 3, 0, 2]})");
  ImportOptions o = options_for(TraceFormat::skypilot_json, counts);
  o.convention = Convention::preempted;
  o.spot_price = 0.9;
  o.od_price = 3.06;
  expect_input_error([&] { import_trace(o); }, {"conv_counts.json", "availability[0]", "4", "0/1"});
  o.convention = Convention::available;
  EXPECT_EQ(import_trace(o).capacity, 4);  // no capacity in the format: the largest count
  o.capacity = 3;
  expect_input_error([&] { import_trace(o); }, {"conv_counts.json", "capacity", "3"});
}

TEST(SkypilotJson, FilePricesArePerInstanceAndDividedByPriceGpus) {
  const std::string file =
      write_file("p3_16x.json",
                 R"({"metadata": {"gap_seconds": 600}, "data": [1, 0], "prices": [8.0, 16.0]})");
  ImportOptions o = options_for(TraceFormat::skypilot_json, file);
  o.convention = Convention::available;
  o.od_price = 3.06;  // given per GPU: not divided
  o.price_gpus = 8.0;
  const Trace t = import_trace(o);
  EXPECT_EQ(t.spot_price, (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(t.od_price, 3.06);
  EXPECT_EQ(t.tick_seconds, 600.0);
  o.price_gpus = 0.0;
  expect_input_error([&] { import_trace(o); }, {"p3_16x.json", "--price-gpus", "0"});
}

// SkyNomad full.json says 1 = unavailable; the probe CSV counts instances created. Both come
// from the same probes: with the right conventions they agree wherever full.json was not
// gap-filled (metadata.gap_filled: ticks 696..755).
TEST(Convention, FullJsonPreemptedMatchesTheProbeCounts) {
  ImportOptions full = options_for(TraceFormat::skynomad_full_json,
                                   repo_data("skynomad/us-central1-a_h100_16.json"));
  full.convention = Convention::preempted;
  const Trace binary = import_trace(full);
  EXPECT_EQ(binary.n_slots(), 2114);
  EXPECT_EQ(binary.tick_seconds, 600.0);
  EXPECT_EQ(binary.name, "us-central1-a");
  EXPECT_EQ(binary.start_time, "2025-10-04T00:10:00.002281+00:00");
  // a3-highgpu-8g prices are per 8-GPU machine; the trace is per GPU.
  EXPECT_DOUBLE_EQ(binary.spot_price.front(), 18.979008 / 8.0);
  EXPECT_DOUBLE_EQ(binary.od_price, 82.52543396 / 8.0);

  ImportOptions probes =
      options_for(TraceFormat::h100_probes_csv, repo_data("skynomad/probes_h100_16.csv"));
  probes.convention = Convention::available;
  probes.key = "us-central1-a";
  probes.tick_seconds = 600.0;
  probes.gaps = GapPolicy::hold;
  probes.spot_price = 18.979008 / 8.0;
  probes.od_price = 82.52543396 / 8.0;
  const Trace counts = import_trace(probes);
  EXPECT_EQ(counts.capacity, 16);
  ASSERT_EQ(counts.n_slots(), binary.n_slots());
  int compared = 0;
  for (int32_t i = 0; i < binary.n_slots(); ++i) {
    if (i >= 696 && i <= 755) continue;
    EXPECT_EQ(counts.spot_avail[i] >= 1 ? 1 : 0, binary.spot_avail[i]) << "tick " << i;
    ++compared;
  }
  EXPECT_EQ(compared, 2054);

  // The wrong convention inverts everything.
  full.convention = Convention::available;
  const Trace inverted = import_trace(full);
  for (int32_t i = 0; i < binary.n_slots(); ++i)
    ASSERT_EQ(inverted.spot_avail[i], 1 - binary.spot_avail[i]);
}

TEST(SkynomadFullJson, StatedPricesAndTickMustAgreeWithOptions) {
  ImportOptions o = options_for(TraceFormat::skynomad_full_json,
                                repo_data("skynomad/us-central1-a_h100_16.json"));
  o.convention = Convention::preempted;
  o.tick_seconds = 195.0;
  expect_input_error([&] { import_trace(o); }, {"us-central1-a_h100_16.json", "--tick", "600"});
  o.tick_seconds = 600.0;
  o.od_price = 82.52543396;  // per machine, not per GPU
  expect_input_error([&] { import_trace(o); }, {"us-central1-a_h100_16.json", "--od-price"});
  o.od_price.reset();
  o.price_gpus = 1.0;
  expect_input_error([&] { import_trace(o); }, {"us-central1-a_h100_16.json", "--price-gpus", "8"});
  o.price_gpus.reset();
  o.spot_price = 2.0;
  expect_input_error([&] { import_trace(o); }, {"us-central1-a_h100_16.json", "--spot-price"});
  o.spot_price.reset();
  o.key = "us-west1-b";
  expect_input_error([&] { import_trace(o); }, {"--key", "us-west1-b", "us-central1-a"});
}

// ---- H100 probe CSV ------------------------------------------------------------------------

TEST(ProbesCsv, ZoneKeyGapsAndTick) {
  ImportOptions o =
      options_for(TraceFormat::h100_probes_csv, repo_data("skynomad/probes_h100_16.csv"));
  o.convention = Convention::available;
  o.tick_seconds = 600.0;
  o.spot_price = 2.37;
  o.od_price = 10.3;
  expect_input_error([&] { import_trace(o); }, {"probes_h100_16.csv", "--key", "required"});
  o.key = "mars-central1-a";
  expect_input_error([&] { import_trace(o); },
                     {"probes_h100_16.csv", "mars-central1-a", "us-central1-a"});
  o.key = "europe-west1-c";
  // One collection break of 6,599 s (10 missing rounds) in 2025-10-08/09.
  expect_input_error([&] { import_trace(o); },
                     {"probes_h100_16.csv:", "scheduled_at", "gap", "--gaps"});
  o.gaps = GapPolicy::unavailable;
  const Trace zeros = import_trace(o);
  o.gaps = GapPolicy::hold;
  const Trace held = import_trace(o);
  EXPECT_EQ(held.n_slots(), 2114);
  EXPECT_EQ(held.capacity, 16);
  EXPECT_EQ(held.start_time, "2025-10-03T17:10:00.002281-07:00");
  EXPECT_EQ(*std::max_element(held.spot_avail.begin(), held.spot_avail.end()), 16);
  for (int32_t i = 746; i <= 755; ++i) {
    EXPECT_EQ(zeros.spot_avail[i], 0);
    EXPECT_EQ(held.spot_avail[i], held.spot_avail[745]);
  }
  o.tick_seconds = 1800.0;  // probes every 600 s cannot be 30-minute ticks
  expect_input_error([&] { import_trace(o); }, {"probes_h100_16.csv:", "tick"});
  o.tick_seconds.reset();
  expect_input_error([&] { import_trace(o); }, {"probes_h100_16.csv", "--tick", "required"});
}

// ---- Bamboo step files: time unit and resampling ------------------------------------------

const char* kP2Hours = "bamboo/aws-spot-instances-p2-xlarge-2020-11-20-to-2020-11-23.csv";
const char* kG4dnSeconds =
    "bamboo/aws-spot-instances-g4dn-xlarge-us-east-1c-2020-11-20-1930-to-2020-11-21-2200.csv";

ImportOptions bamboo_steps(const std::string& file, TimeUnit unit) {
  ImportOptions o = options_for(TraceFormat::bamboo_steps_csv, repo_data(file));
  o.convention = Convention::available;
  o.tick_seconds = 60.0;
  o.time_unit = unit;
  o.spot_price = 0.27;
  o.od_price = 0.90;
  return o;
}

TEST(BambooSteps, HoursAndSecondsFiles) {
  // The p2 file is in hours: 88.695 h at 60 s ticks.
  const Trace p2 = import_trace(bamboo_steps(kP2Hours, TimeUnit::hours));
  EXPECT_EQ(p2.n_slots(), 5321);
  EXPECT_EQ(p2.capacity, 16);
  EXPECT_EQ(std::vector<int32_t>(p2.spot_avail.begin(), p2.spot_avail.begin() + 6),
            (std::vector<int32_t>{0, 0, 9, 2, 0, 0}));
  EXPECT_EQ(sum(p2.spot_avail), 82352);  // cross-checked with an independent Python resampler
  // Read as seconds the same file spans 88.7 s: one tick. The unit is not guessable.
  EXPECT_EQ(import_trace(bamboo_steps(kP2Hours, TimeUnit::seconds)).n_slots(), 1);
  // The g4dn file is in seconds (CRLF lines, last line without newline).
  const Trace g4dn = import_trace(bamboo_steps(kG4dnSeconds, TimeUnit::seconds));
  EXPECT_EQ(g4dn.n_slots(), 1469);
  EXPECT_EQ(sum(g4dn.spot_avail), 11876);
  EXPECT_EQ(g4dn.capacity, 12);
  ImportOptions o = bamboo_steps(kP2Hours, TimeUnit::hours);
  o.time_unit.reset();
  expect_input_error([&] { import_trace(o); }, {kP2Hours, "--time-unit", "required"});
}

TEST(BambooSteps, MinimumVersusStartResampling) {
  ImportOptions o = bamboo_steps(kP2Hours, TimeUnit::hours);
  o.resample = ResampleRule::start;
  const Trace start = import_trace(o);
  EXPECT_EQ(std::vector<int32_t>(start.spot_avail.begin(), start.spot_avail.begin() + 6),
            (std::vector<int32_t>{0, 0, 9, 9, 2, 0}));
  EXPECT_EQ(sum(start.spot_avail), 82516);
}

TEST(BambooSteps, InlineStepFunction) {
  // Steps at 0 (2), 90 s (dip to 1 for 10 s), 100 s (back to 2), end at 240 s.
  const std::string file = write_file("steps.csv", "0,2\n90,2\n90,1\n100,1\n100,2\n240,2\n");
  ImportOptions o = options_for(TraceFormat::bamboo_steps_csv, file);
  o.convention = Convention::available;
  o.time_unit = TimeUnit::seconds;
  o.tick_seconds = 60.0;
  o.spot_price = 0.5;
  o.od_price = 1.0;
  EXPECT_EQ(import_trace(o).spot_avail, (std::vector<int32_t>{2, 1, 2, 2}));
  o.resample = ResampleRule::start;
  EXPECT_EQ(import_trace(o).spot_avail, (std::vector<int32_t>{2, 2, 2, 2}));
  o.tick_seconds = 300.0;  // longer than the whole 240 s log
  expect_input_error([&] { import_trace(o); }, {"steps.csv", "span", "empty"});
}

// ---- Bamboo event logs: CRLF, 60 s ---------------------------------------------------------

TEST(BambooEvents, P3TraceCrlfCountsLiveNodes) {
  ImportOptions o = options_for(TraceFormat::bamboo_events_csv, repo_data("bamboo/p3-trace.csv"));
  o.convention = Convention::available;
  o.tick_seconds = 60.0;
  o.spot_price = 0.918;
  o.od_price = 3.06;
  const Trace crlf = import_trace(o);
  EXPECT_EQ(crlf.n_slots(), 682);
  EXPECT_EQ(crlf.capacity, 32);
  EXPECT_EQ(std::vector<int32_t>(crlf.spot_avail.begin(), crlf.spot_avail.begin() + 5),
            (std::vector<int32_t>{18, 19, 19, 23, 23}));
  EXPECT_EQ(sum(crlf.spot_avail), 16387);
  // The same log with LF endings imports identically.
  std::string text = testing::read_file(repo_data("bamboo/p3-trace.csv"));
  text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
  o.input = write_file("p3-trace-lf.csv", text);
  EXPECT_EQ(import_trace(o).spot_avail, crlf.spot_avail);
  o.time_unit = TimeUnit::seconds;
  expect_input_error([&] { import_trace(o); }, {"p3-trace-lf.csv", "--time-unit", "milliseconds"});
}

TEST(BambooEvents, InconsistentEventsAreRefused) {
  ImportOptions o =
      options_for(TraceFormat::bamboo_events_csv,
                  write_file("events_bad.csv", "0,add,node1\r\n60000,remove,node2\r\n"));
  o.convention = Convention::available;
  o.tick_seconds = 60.0;
  o.spot_price = 0.9;
  o.od_price = 3.0;
  expect_input_error([&] { import_trace(o); }, {"events_bad.csv:2", "node", "node2", "not live"});
  o.input = write_file("events_twice.csv", "0,add,node1\n0,add,node1\n");
  expect_input_error([&] { import_trace(o); }, {"events_twice.csv:2", "node1", "already live"});
  o.input = write_file("events_verb.csv", "0,add,node1\n60000,launch,node1\n");
  expect_input_error([&] { import_trace(o); }, {"events_verb.csv:2", "action", "launch"});
}

// ---- Bamboo GCP logs: the non-monotonic V100 file ------------------------------------------

ImportOptions gcp_v100(OutOfOrderPolicy policy) {
  ImportOptions o =
      options_for(TraceFormat::bamboo_gcp_txt, repo_data("bamboo/v100x1-us-east1-c.txt"));
  o.convention = Convention::available;
  o.tick_seconds = 60.0;
  o.spot_price = 0.74;
  o.od_price = 2.48;
  o.out_of_order = policy;
  return o;
}

TEST(BambooGcp, NonMonotonicFileIsRefusedUnlessAPolicyIsChosen) {
  expect_input_error([&] { import_trace(gcp_v100(OutOfOrderPolicy::error)); },
                     {"v100x1-us-east1-c.txt:4", "date, time", "backwards", "--out-of-order"});
  const Trace sorted = import_trace(gcp_v100(OutOfOrderPolicy::sort));
  const Trace superseded = import_trace(gcp_v100(OutOfOrderPolicy::supersede));
  EXPECT_EQ(sorted.n_slots(), 1450);
  EXPECT_EQ(superseded.n_slots(), 1450);
  EXPECT_EQ(superseded.start_time, "2021-12-10T13:07:45");
  EXPECT_EQ(std::vector<int32_t>(superseded.spot_avail.begin(), superseded.spot_avail.begin() + 8),
            (std::vector<int32_t>{80, 70, 60, 58, 58, 58, 48, 48}));
  EXPECT_EQ(sum(sorted.spot_avail), 110167);
  EXPECT_EQ(sum(superseded.spot_avail), 110172);
  // They differ only where a stale repeat outlived the next reading.
  std::vector<int32_t> differ;
  for (int32_t i = 0; i < sorted.n_slots(); ++i)
    if (sorted.spot_avail[i] != superseded.spot_avail[i]) differ.push_back(i);
  EXPECT_EQ(differ, (std::vector<int32_t>{133, 525, 906, 1343}));
  EXPECT_EQ(sorted.capacity, 80);
}

TEST(BambooGcp, SupersedeDropsStaleRepeats) {
  // A reading of 5 logged at 0, 60, 120 s; a new reading of 3 at 100 s (logged 100, 160,
  // 220). The repeat of 5 at 120 s is stale: supersede drops it, sort keeps it.
  const std::string file = write_file("gcp_overlap.txt",
                                      "2021-12-10, 00:00:00, 5\n2021-12-10, 00:01:00, 5\n"
                                      "2021-12-10, 00:02:00, 5\n2021-12-10, 00:01:40, 3\n"
                                      "2021-12-10, 00:02:40, 3\n2021-12-10, 00:03:40, 3\n");
  ImportOptions o = gcp_v100(OutOfOrderPolicy::supersede);
  o.input = file;
  o.tick_seconds = 20.0;
  o.resample = ResampleRule::start;
  const Trace superseded = import_trace(o);
  o.out_of_order = OutOfOrderPolicy::sort;
  const Trace sorted = import_trace(o);
  ASSERT_EQ(superseded.n_slots(), 11);
  EXPECT_EQ(superseded.spot_avail[6], 3);  // 120 s
  EXPECT_EQ(sorted.spot_avail[6], 5);
}

// ---- bad input: every case names the file and the field ------------------------------------

TEST(BadInput, MissingFiles) {
  for (TraceFormat format :
       {TraceFormat::skypilot_json, TraceFormat::skynomad_csv, TraceFormat::skynomad_full_json,
        TraceFormat::h100_probes_csv, TraceFormat::bamboo_steps_csv, TraceFormat::bamboo_events_csv,
        TraceFormat::bamboo_gcp_txt}) {
    ImportOptions o = options_for(format, "/nonexistent/trace.file");
    o.convention = Convention::available;
    o.tick_seconds = 60.0;
    o.time_unit =
        format == TraceFormat::bamboo_steps_csv ? std::optional(TimeUnit::seconds) : std::nullopt;
    o.key = format == TraceFormat::h100_probes_csv ? "z" : "";
    expect_input_error([&] { import_trace(o); },
                       {"/nonexistent/trace.file", "file", "cannot open"});
  }
  ImportOptions o = v100_csv_options();
  o.prices = "/nonexistent/prices.json";
  expect_input_error([&] { import_trace(o); }, {"/nonexistent/prices.json", "cannot open"});
}

ImportOptions skynomad_inline(const std::string& csv, const std::string& prices_json) {
  ImportOptions o = options_for(TraceFormat::skynomad_csv, write_file("zone-a_v100_1.csv", csv));
  if (!prices_json.empty()) o.prices = write_file("prices_inline.json", prices_json);
  o.convention = Convention::available;
  o.tick_seconds = 195.0;
  o.od_price = 3.06;
  return o;
}

const char* kThreeRows =
    "date,availability\n2023-02-15 22:08:16,0\n2023-02-15 22:11:31,1\n2023-02-15 22:14:46,1\n";

TEST(BadInput, NonNumericAndNanValuesNameTheLine) {
  expect_input_error(
      [&] {
        import_trace(skynomad_inline(
            "date,availability\n2023-02-15 22:08:16,0\n2023-02-15 22:11:31,yes\n", ""));
      },
      {"zone-a_v100_1.csv:3", "availability", "yes", "not a number"});
  expect_input_error(
      [&] {
        import_trace(skynomad_inline(
            "date,availability\n2023-02-15 22:08:16,nan\n2023-02-15 22:11:31,1\n", ""));
      },
      {"zone-a_v100_1.csv:2", "availability", "nan"});
  expect_input_error(
      [&] {
        import_trace(skynomad_inline(
            "date,availability\n2023-02-15 22:08:16,1\n2023-02-15 25:11:31,1\n", ""));
      },
      {"zone-a_v100_1.csv:3", "date", "25:11:31"});
  expect_input_error(
      [&] { import_trace(skynomad_inline(kThreeRows, R"({"zone-a_v100_1": [1.0, NaN, 1.0]})")); },
      {"prices_inline.json", "byte 24", "NaN"});
  expect_input_error(
      [&] { import_trace(skynomad_inline(kThreeRows, R"({"zone-a_v100_1": [1.0, "1.1", 1.0]})")); },
      {"prices_inline.json", "zone-a_v100_1[1]", "\"1.1\"", "not a number"});
  expect_input_error(
      [&] {
        ImportOptions o = bamboo_steps(kP2Hours, TimeUnit::seconds);
        o.input = write_file("steps_bad.csv", "0,1\r\n10,one\r\n");
        import_trace(o);
      },
      {"steps_bad.csv:2", "count", "one"});
  expect_input_error(
      [&] {
        ImportOptions o = bamboo_steps(kP2Hours, TimeUnit::seconds);
        o.input = write_file("steps_cols.csv", "0,1\n10,1,2\n");
        import_trace(o);
      },
      {"steps_cols.csv:2", "columns", "3"});
}

TEST(BadInput, NegativePrices) {
  expect_input_error(
      [&] { import_trace(skynomad_inline(kThreeRows, R"({"zone-a_v100_1": [1.0, -0.5, 1.0]})")); },
      {"prices_inline.json", "prices[1]", "-0.5", "negative price"});
  ImportOptions o = skynomad_inline(kThreeRows, "");
  o.spot_price = -1.0;
  expect_input_error([&] { import_trace(o); }, {"zone-a_v100_1.csv", "--spot-price", "-1"});
  o.spot_price = 1.0;
  o.od_price = -3.0;
  expect_input_error([&] { import_trace(o); }, {"zone-a_v100_1.csv", "--od-price", "-3"});
  const std::string json =
      write_file("neg_prices.json",
                 R"({"metadata": {"gap_seconds": 34}, "data": [1, 1], "prices": [1.14, -1.85]})");
  ImportOptions p = options_for(TraceFormat::skypilot_json, json);
  p.convention = Convention::available;
  p.od_price = 4.0;
  expect_input_error([&] { import_trace(p); }, {"neg_prices.json", "prices[1]", "negative price"});
}

TEST(BadInput, EmptyTraces) {
  expect_input_error([&] { import_trace(skynomad_inline("date,availability\n", "")); },
                     {"zone-a_v100_1.csv", "empty"});
  expect_input_error([&] { import_trace(skynomad_inline("", "")); },
                     {"zone-a_v100_1.csv", "empty"});
  ImportOptions o =
      options_for(TraceFormat::skypilot_json,
                  write_file("empty.json", R"({"metadata": {"gap_seconds": 600}, "data": []})"));
  o.convention = Convention::available;
  o.spot_price = 1.0;
  o.od_price = 3.0;
  expect_input_error([&] { import_trace(o); }, {"empty.json", "data", "empty"});
  ImportOptions b = bamboo_steps(kP2Hours, TimeUnit::seconds);
  b.input = write_file("steps_empty.csv", "\r\n");
  expect_input_error([&] { import_trace(b); }, {"steps_empty.csv", "empty"});
}

TEST(BadInput, WrongLengthsAndMissingFields) {
  expect_input_error(
      [&] { import_trace(skynomad_inline(kThreeRows, R"({"zone-a_v100_1": [1.0, 1.0]})")); },
      {"prices_inline.json", "zone-a_v100_1", "2 prices", "3 rows"});
  const std::string json =
      write_file("short_prices.json",
                 R"({"metadata": {"gap_seconds": 32}, "data": [1, 0, 1], "prices": [0.9]})");
  ImportOptions o = options_for(TraceFormat::skypilot_json, json);
  o.convention = Convention::available;
  o.od_price = 3.06;
  expect_input_error([&] { import_trace(o); }, {"short_prices.json", "prices", "1 values"});
  o.input = write_file("no_gap.json", R"({"metadata": {}, "data": [1]})");
  expect_input_error([&] { import_trace(o); }, {"no_gap.json", "metadata.gap_seconds", "missing"});
  o.input = write_file("bad_data.json", R"({"metadata": {"gap_seconds": 60}, "data": [1, 0.5]})");
  expect_input_error([&] { import_trace(o); }, {"bad_data.json", "data[1]", "0.5", "integer"});
  o.input = write_file("no_price.json", R"({"metadata": {"gap_seconds": 60}, "data": [1, 0]})");
  expect_input_error([&] { import_trace(o); }, {"no_price.json", "--spot-price", "required"});
  o.spot_price = 1.0;
  o.od_price.reset();
  expect_input_error([&] { import_trace(o); }, {"no_price.json", "--od-price", "required"});
}

TEST(BadInput, OptionsThatDoNotApply) {
  ImportOptions o =
      options_for(TraceFormat::skypilot_json,
                  write_file("plain.json", R"({"metadata": {"gap_seconds": 60}, "data": [1]})"));
  o.convention = Convention::available;
  o.spot_price = 1.0;
  o.od_price = 3.0;
  o.time_unit = TimeUnit::hours;
  expect_input_error([&] { import_trace(o); }, {"plain.json", "--time-unit"});
  o.time_unit.reset();
  o.key = "us-east-1a";
  expect_input_error([&] { import_trace(o); }, {"plain.json", "--key"});
  o.key.clear();
  o.prices = repo_data("skynomad/v100_spot_prices.json");
  expect_input_error([&] { import_trace(o); }, {"--prices", "skynomad-csv"});
}

// Values that would wrap an integer or make more than 2^30 ticks, refused before any
// conversion or allocation (docs/reliability.md, "Limits").
TEST(BadInput, SizesAndIntegersOutOfRange) {
  ImportOptions tiny = options_for(TraceFormat::skypilot_json,
                                   write_file("tiny_tick.json", R"({"metadata": {"gap_seconds": )"
                                                                R"(1e-300}, "data": [1, 0, 1]})"));
  tiny.convention = Convention::available;
  tiny.od_price = 3.0;
  tiny.spot_price = 1.0;
  expect_input_error([&] { import_trace(tiny); },
                     {"tiny_tick.json", "metadata.gap_seconds = 1e-300", "1e-3 s"});

  ImportOptions steps =
      options_for(TraceFormat::bamboo_steps_csv, write_file("span.csv", "0,1\n1e11,1\n"));
  steps.convention = Convention::available;
  steps.time_unit = TimeUnit::seconds;
  steps.tick_seconds = 60.0;
  steps.od_price = 3.0;
  steps.spot_price = 1.0;
  expect_input_error([&] { import_trace(steps); }, {"span.csv", "span = 100000000000 s", "2^30"});
  steps.tick_seconds = 1e-300;
  expect_input_error([&] { import_trace(steps); }, {"span.csv", "--tick = 1e-300"});

  ImportOptions gcp =
      options_for(TraceFormat::bamboo_gcp_txt,
                  write_file("year9999.txt", "2021-12-01, 10:00:00, 1\n9999-12-01, 10:00:00, 1\n"));
  gcp.convention = Convention::available;
  gcp.tick_seconds = 60.0;
  gcp.od_price = 3.0;
  gcp.spot_price = 1.0;
  expect_input_error([&] { import_trace(gcp); }, {"year9999.txt", "span", "2^30"});

  const std::string header =
      "run_id,scheduled_at,status,zone,instances_requested,instances_created,"
      "capacity_exhausted_detected\n";
  ImportOptions probes =
      options_for(TraceFormat::h100_probes_csv,
                  write_file("probes_wide.csv",
                             header + "1,2024-01-01 00:00:00,success,z,99999999999,1,false\n"));
  probes.key = "z";
  probes.convention = Convention::available;
  probes.tick_seconds = 600.0;
  probes.od_price = 3.0;
  probes.spot_price = 1.0;
  expect_input_error([&] { import_trace(probes); },
                     {"probes_wide.csv:2", "instances_requested = 99999999999", "2147483647"});

  // A gap of more than 2^30 ticks between two probes.
  ImportOptions gap = v100_csv_options();
  gap.prices.clear();
  gap.spot_price = 1.0;
  gap.gaps = GapPolicy::hold;
  gap.input =
      write_file("gap.csv", "date,availability\n2023-02-15 22:08:16,1\n9999-02-15 22:08:16,1\n");
  expect_input_error([&] { import_trace(gap); }, {"gap.csv:3", "date", "2^30 ticks"});

  // Under 2^30 ticks but over the memory budget: a 1013-year gap filled with --gaps hold, found
  // by the probes fuzzer (32 s and 425 MB per input before it was counted).
  ImportOptions years =
      options_for(TraceFormat::h100_probes_csv,
                  write_file("years.csv", header + "1,1012-10-01 17:20:00,success,z,16,1,false\n" +
                                              "2,2025-10-03 17:30:00,success,z,16,2,false\n"));
  years.key = "z";
  years.convention = Convention::available;
  years.tick_seconds = 600.0;
  years.gaps = GapPolicy::hold;
  years.od_price = 3.0;
  years.spot_price = 1.0;
  set_host_memory_budget(std::size_t(64) << 20);
  expect_input_error([&] { import_trace(years); },
                     {"years.csv", "scheduled_at", "of host memory", "--max-host-mem"});
  set_host_memory_budget(0);
}

TEST(OptionNames, RoundTripAndRefuseUnknown) {
  for (const std::string& name : format_names())
    EXPECT_EQ(format_name(parse_format(name)), name);
  EXPECT_EQ(parse_convention("preempted"), Convention::preempted);
  EXPECT_EQ(parse_time_unit("h"), TimeUnit::hours);
  EXPECT_EQ(parse_resample_rule("start"), ResampleRule::start);
  EXPECT_EQ(parse_gap_policy("hold"), GapPolicy::hold);
  EXPECT_EQ(parse_out_of_order("supersede"), OutOfOrderPolicy::supersede);
  expect_input_error([] { parse_format("csv"); }, {"--format", "csv", "skypilot-json"});
  expect_input_error([] { parse_convention("1=up"); },
                     {"--convention", "expected one of available, preempted"});
}

// ---- the JSON reader -----------------------------------------------------------------------

TEST(JsonReader, ParsesNestedValues) {
  const JsonValue v = parse_json(
      R"( {"a": [1, -2.5e3, 0.25], "s": "x\u00e9\"\n", "t": true, "f": false, "n": null,
           "o": {"k": []}} )",
      "inline.json");
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.find("a")->items().size(), 3u);
  EXPECT_EQ(v.find("a")->items()[1].number(), -2500.0);
  EXPECT_EQ(v.find("s")->string(), "x\xC3\xA9\"\n");
  EXPECT_TRUE(v.find("t")->boolean());
  EXPECT_TRUE(v.find("n")->is_null());
  EXPECT_TRUE(v.find("o")->find("k")->items().empty());
  EXPECT_EQ(v.find("missing"), nullptr);
}

TEST(JsonReader, IsStrictAndNamesTheByteOffset) {
  expect_input_error([] { parse_json("[1, 2,]", "f.json"); }, {"f.json:1: byte 6 = ']'"});
  expect_input_error([] { parse_json("[01]", "f.json"); }, {"byte 2 = '1'", "expected ']'"});
  expect_input_error([] { parse_json("[1] // note", "f.json"); },
                     {"byte 4 = '//'", "expected end of input"});
  expect_input_error([] { parse_json("[Infinity]", "f.json"); }, {"byte 1", "NaN/Infinity"});
  expect_input_error([] { parse_json("[1, -Infinity]", "f.json"); }, {"NaN/Infinity"});
  expect_input_error([] { parse_json(R"({"a": "open)", "f.json"); },
                     {"byte 11 = end of file", "missing closing quote"});
  expect_input_error([] { parse_json("", "f.json"); }, {"f.json:1: byte 0 = end of file"});
  expect_input_error([] { parse_json("{'a': 1}", "f.json"); }, {"byte 1", "object key"});
  expect_input_error([] { parse_json("[1e400]", "f.json"); }, {"byte 1 = '1e400'", "overflow"});
  expect_input_error([] { parse_json("[\"\x01\"]", "f.json"); }, {"byte 2 = '\\x01", "control"});
}

// A syntax error is one line naming the file, the line and the byte, however the text runs on.
TEST(JsonReader, SyntaxErrorIsOneLineWithTheLine) {
  expect_input_error([] { parse_json("{\n  \"data\": [1,\n    2,]\n}\n", "multi.json"); },
                     {"multi.json:3: byte 22 = ']'", "syntax error"});
  expect_input_error([] { parse_json("{\"a\": \"open\n\nmore", "f.json"); },
                     {"f.json:1:", "control character"});
  expect_input_error([] { parse_json(std::string(300, '[') + std::string(300, ']'), "deep.json"); },
                     {"deep.json", "nested more than 256 deep"});
}

// nlohmann-json keeps the last of two equal keys; the reader refuses them, naming the path.
TEST(JsonReader, DuplicateKeysNameThePath) {
  expect_input_error([] { parse_json(R"({"a": 1, "a": 2})", "f.json"); },
                     {"f.json: a: duplicate key"});
  expect_input_error(
      [] { parse_json(R"({"metadata": {"gap_seconds": 600, "gap_seconds": 60}})", "f.json"); },
      {"f.json: metadata.gap_seconds: duplicate key"});
  expect_input_error([] { parse_json(R"({"c": [{"k": 1}, {"k": 2, "k": 3}]})", "f.json"); },
                     {"f.json: c[1].k: duplicate key"});
  EXPECT_NO_THROW(parse_json(R"([{"k": 1}, {"k": 2}])", "f.json"));  // one key per object
  ImportOptions o = options_for(
      TraceFormat::skypilot_json,
      write_file("twice.json",
                 R"({"metadata": {"gap_seconds": 600}, "data": [1, 0], "data": [0, 1]})"));
  o.convention = Convention::available;
  o.spot_price = 1.0;
  o.od_price = 3.0;
  expect_input_error([&] { import_trace(o); }, {"twice.json: data: duplicate key"});
}

}  // namespace
}  // namespace spotsweep
