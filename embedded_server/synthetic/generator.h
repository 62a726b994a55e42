#pragma once

#include <QDate>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace fhir::synthetic {

namespace detail {
struct ClinicData;
}

/// What to generate. The same options give byte-identical resources.
struct Options
{
    std::uint64_t seed = 1;
    int patients = 100;
    /// "Today" for the generated records: histories end on this day. Fixed, not the clock,
    /// so that a seed means the same data on every day.
    QDate referenceDate{2025, 12, 31};
};

/// Makes a realistic, cross-referenced synthetic clinic: Organizations, Locations,
/// Practitioners and PractitionerRoles shared by everyone, and for each patient a record of
/// Encounters, vital-sign and lab Observations with trends, Conditions, MedicationRequests,
/// Immunizations, AllergyIntolerances, Procedures and DiagnosticReports. Every resource has an
/// id, a narrative, and references only to resources the generator also makes.
///
/// Each patient's record depends only on the seed and the patient's index, so records can be
/// made in any order, in parallel, or streamed one at a time.
///
///     Generator generator({.seed = 42, .patients = 1000});
///     load(generator.sharedResources());
///     for (int i = 0; i < generator.options().patients; ++i)
///         load(generator.patientRecord(i)); // the Patient first, then what refers to it
class Generator
{
public:
    explicit Generator(Options options);

    const Options &options() const { return m_options; }

    /// Organizations, Locations, Practitioners, PractitionerRoles.
    std::vector<nlohmann::json> sharedResources() const;
    /// One patient and everything about them, in an order where references point backwards.
    std::vector<nlohmann::json> patientRecord(int index) const;

    /// Count of practitioners for the options' size (for callers that show progress).
    int practitionerCount() const;

private:
    Options m_options;
    std::shared_ptr<const detail::ClinicData> m_clinic; // the shared resources' ids and names
};

} // namespace fhir::synthetic
