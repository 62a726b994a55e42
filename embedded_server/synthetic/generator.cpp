#include "generator.h"

#include "codes.h"
#include "random.h"

#include <QTimeZone>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

using nlohmann::json;

namespace fhir::synthetic {

using namespace codes;

namespace detail {

struct Practitioner
{
    std::string id;
    std::string roleId;
    std::string name;
    size_t organization;
    Code specialty;
};

struct Organization
{
    std::string id;
    std::string locationId;
    std::string name;
    bool hospital;
    size_t town;
};

// The resources every patient shares, made the same way for sharedResources() and for the
// references in patient records.
struct ClinicData
{
    std::vector<Organization> organizations;
    std::vector<Practitioner> practitioners;

    explicit ClinicData(const Options &options)
    {
        Random rng = Random::derive(options.seed, 0x5EED0001);
        const char *names[] = {"Riverside General Hospital", "Maple Family Practice",
                               "Harbor Community Health Center", "Northside Medical Group"};
        for (size_t i = 0; i < 4; ++i)
            organizations.push_back({rng.uuid(), rng.uuid(), names[i], i == 0, i % kTowns.size()});
        const int count = std::clamp(options.patients / 25, 16, 400);
        for (int i = 0; i < count; ++i) {
            const NamePool &pool = rng.pick(kNamePools);
            const bool female = rng.chance(0.5);
            const std::string given = female ? rng.pick(pool.female) : rng.pick(pool.male);
            const std::string family = rng.pick(pool.family);
            // Family practice in the clinics, specialists in the hospital.
            const size_t org = i % 4 == 0 ? 0 : 1 + size_t(i % 3);
            const Code specialty
                = org == 0 ? kSpecialties[2 + size_t(i / 4) % 4] : kSpecialties[size_t(i % 2)];
            practitioners.push_back({rng.uuid(), rng.uuid(), given + " " + family, org, specialty});
        }
    }
};

} // namespace detail

using detail::ClinicData;
using detail::Organization;
using detail::Practitioner;

namespace {

std::string str(const QString &s)
{
    return s.toStdString();
}

std::string dateText(const QDate &d)
{
    return str(d.toString(Qt::ISODate));
}

// Clinic hours in the clinic's zone (UTC-05:00): deterministic, and valid dateTime text.
std::string dateTimeText(const QDate &d, int minuteOfDay)
{
    const QDateTime t(d, QTime(minuteOfDay / 60, minuteOfDay % 60), QTimeZone(-5 * 3600));
    return str(t.toString(Qt::ISODate));
}

std::string escapeXml(const std::string &s)
{
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

json narrative(const std::string &text)
{
    return {{"status", "generated"},
            {"div", "<div xmlns=\"http://www.w3.org/1999/xhtml\">" + escapeXml(text) + "</div>"}};
}

json coding(const char *system, const std::string &code, const std::string &display)
{
    return {{"system", system}, {"code", code}, {"display", display}};
}

json codeable(const char *system, const std::string &code, const std::string &display)
{
    return {{"coding", json::array({coding(system, code, display)})}, {"text", display}};
}

json reference(const char *type, const std::string &id, const std::string &display = {})
{
    json r = {{"reference", std::string(type) + "/" + id}};
    if (!display.empty())
        r["display"] = display;
    return r;
}

json quantity(double value, int decimals, const char *unitText, const char *unitCode)
{
    const double scale = std::pow(10.0, decimals);
    const double rounded = std::round(value * scale) / scale;
    json q = {{"unit", unitText}, {"system", kUcum}, {"code", unitCode}};
    if (decimals == 0)
        q["value"] = std::int64_t(rounded);
    else
        q["value"] = rounded;
    return q;
}

std::string formatValue(double value, int decimals)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

// Where a patient's values start and how they drift.
struct Physiology
{
    double heightCm = 170; // adult height
    double bmi = 25; // adult BMI
    double systolic = 118; // at 40, untreated
    double diastolic = 76;
    double heartRate = 72;
    double cholesterol = 190;
    double hdl = 52;
    double triglycerides = 130;
    double hba1c = 5.3;
    double creatinine = 0.9;
};

class RecordBuilder
{
public:
    RecordBuilder(const Options &options, const ClinicData &clinic, int index)
        : m_options(options)
        , m_clinic(clinic)
        , m_rng(Random::derive(options.seed, 0x9A71E47, std::uint64_t(index)))
        , m_index(index)
    {
    }

    std::vector<json> build()
    {
        makePatient();
        makeAllergies();
        makeChronicConditions();
        makeTimeline();
        makeImmunizations();
        return std::move(m_out);
    }

private:
    const Options &m_options;
    const ClinicData &m_clinic;
    Random m_rng;
    int m_index;
    std::vector<json> m_out;

    std::string m_patientId;
    std::string m_name;
    bool m_female = false;
    QDate m_birth;
    QDate m_end; // death or the reference date
    QDate m_first; // the first day the record covers in detail (five years back at most)
    const Practitioner *m_gp = nullptr;
    const Organization *m_clinicOrg = nullptr;
    Physiology m_body;
    struct Diagnosis
    {
        const Chronic *chronic;
        QDate onset;
        std::string conditionId;
    };
    std::vector<Diagnosis> m_chronic;

    double ageAt(const QDate &d) const { return m_birth.daysTo(d) / 365.25; }
    bool has(const char *snomed, const QDate &on) const
    {
        return std::any_of(m_chronic.begin(), m_chronic.end(), [&](const Diagnosis &c) {
            return std::string(c.chronic->condition.code) == snomed && c.onset <= on;
        });
    }
    const Practitioner &practitionerFor(const char *specialtyCode)
    {
        std::vector<const Practitioner *> matching;
        for (const Practitioner &p : m_clinic.practitioners) {
            if (std::string(p.specialty.code) == specialtyCode)
                matching.push_back(&p);
        }
        return matching.empty() ? m_clinic.practitioners[0] : *m_rng.pick(matching);
    }

    json &add(json resource)
    {
        m_out.push_back(std::move(resource));
        return m_out.back();
    }

    void makePatient()
    {
        const NamePool &pool = m_rng.pick(kNamePools);
        m_female = m_rng.chance(0.51);
        const int ageYears = m_rng.between(0, 92);
        m_birth = m_options.referenceDate.addYears(-ageYears).addDays(-m_rng.between(0, 364));
        m_end = m_options.referenceDate;
        const bool deceased = ageYears > 65 && m_rng.chance(0.07);
        if (deceased)
            m_end = m_options.referenceDate.addDays(-m_rng.between(30, 700));
        m_first = std::max(m_birth.addDays(3), m_options.referenceDate.addYears(-5));

        std::vector<std::string> given{m_female ? m_rng.pick(pool.female) : m_rng.pick(pool.male)};
        if (m_rng.chance(0.4))
            given.push_back(m_female ? m_rng.pick(pool.female) : m_rng.pick(pool.male));
        if (given.size() == 2 && given[0] == given[1])
            given.pop_back();
        const std::string family = m_rng.pick(pool.family);
        m_name = given[0] + " " + family;

        m_patientId = m_rng.uuid();
        m_clinicOrg = &m_clinic.organizations[1 + size_t(m_rng.between(0, 2))];
        m_gp = &practitionerFor("419772000");
        const Town &town = kTowns[m_clinicOrg->town];

        m_body.heightCm = m_rng.normal(m_female ? 163 : 177, 7);
        m_body.bmi = std::clamp(m_rng.normal(26.5, 4.5), 17.5, 42.0);
        m_body.systolic = m_rng.normal(117, 7);
        m_body.diastolic = m_rng.normal(75, 5);
        m_body.heartRate = m_rng.normal(72, 7);
        m_body.cholesterol = m_rng.normal(185, 25);
        m_body.hdl = m_rng.normal(m_female ? 58 : 48, 8);
        m_body.triglycerides = m_rng.normal(125, 35);
        m_body.hba1c = m_rng.normal(5.3, 0.25);
        m_body.creatinine = m_rng.normal(m_female ? 0.75 : 0.95, 0.1);

        char mrn[16];
        std::snprintf(mrn, sizeof mrn, "MRN%07d", m_index + 1);
        char street[64];
        std::snprintf(street, sizeof street, "%d %s", m_rng.between(1, 999), m_rng.pick(kStreets));
        char postal[8];
        std::snprintf(postal, sizeof postal, "%s%02d", town.postalPrefix, m_rng.between(1, 99));
        char phone[20];
        std::snprintf(phone, sizeof phone, "555-%03d-%04d", m_rng.between(200, 999),
                      m_rng.between(0, 9999));

        json patient = {
            {"resourceType", "Patient"},
            {"id", m_patientId},
            {"identifier",
             json::array({{{"use", "usual"},
                           {"type", codeable(kIdentifierType, "MR", "Medical record number")},
                           {"system", "http://hospital.example.org/identifiers/mrn"},
                           {"value", mrn}}})},
            {"active", !deceased},
            {"name", json::array({{{"use", "official"}, {"family", family}, {"given", given}}})},
            {"telecom", json::array({{{"system", "phone"}, {"value", phone}, {"use", "home"}}})},
            {"gender", m_female ? "female" : "male"},
            {"birthDate", dateText(m_birth)},
            {"address",
             json::array({{{"use", "home"},
                           {"line", json::array({street})},
                           {"city", town.city},
                           {"state", town.state},
                           {"postalCode", postal},
                           {"country", "US"}}})},
            {"generalPractitioner",
             json::array({reference("Practitioner", m_gp->id, "Dr. " + m_gp->name)})},
            {"managingOrganization", reference("Organization", m_clinicOrg->id, m_clinicOrg->name)},
        };
        if (ageYears >= 18) {
            std::string email = given[0] + "." + family + "@example.org";
            std::transform(email.begin(), email.end(), email.begin(),
                           [](unsigned char c) { return char(std::tolower(c)); });
            patient["telecom"].push_back({{"system", "email"}, {"value", email}});
            const Code &marital
                = ageYears < 25 ? kMaritalStatuses[1] : m_rng.pick(kMaritalStatuses);
            patient["maritalStatus"] = codeable(kMaritalStatus, marital.code, marital.display);
        }
        if (deceased)
            patient["deceasedDateTime"] = dateTimeText(m_end, m_rng.between(0, 1439));
        if (std::string(pool.language) != "en-US" || m_rng.chance(0.3)) {
            patient["communication"] = json::array(
                {{{"language", codeable(kLanguage, pool.language, pool.languageDisplay)},
                  {"preferred", true}}});
        }
        patient["text"] = narrative(m_name + ", " + (m_female ? "female" : "male") + ", born "
                                    + dateText(m_birth) + (deceased ? " (deceased)" : "") + ". MRN "
                                    + mrn + ".");
        add(std::move(patient));
    }

    void makeAllergies()
    {
        int count = m_rng.chance(0.18) ? (m_rng.chance(0.25) ? 2 : 1) : 0;
        if (m_birth.daysTo(m_end) < 400)
            count = 0;
        std::vector<size_t> chosen;
        for (int i = 0; i < count; ++i) {
            const size_t which = size_t(m_rng.between(0, int(kAllergies.size()) - 1));
            if (std::find(chosen.begin(), chosen.end(), which) != chosen.end())
                continue;
            chosen.push_back(which);
            const Code &allergy = kAllergies[which];
            const char *category = which == 0 ? "medication" : which <= 2 ? "food" : "environment";
            const QDate onset
                = m_birth.addDays(m_rng.between(200, std::max(201, int(m_birth.daysTo(m_end)))));
            add({{"resourceType", "AllergyIntolerance"},
                 {"id", m_rng.uuid()},
                 {"clinicalStatus", codeable(kAllergyClinical, "active", "Active")},
                 {"verificationStatus", codeable(kAllergyVerification, "confirmed", "Confirmed")},
                 {"type", "allergy"},
                 {"category", json::array({category})},
                 {"criticality", which <= 2 ? "high" : "low"},
                 {"code", codeable(kSnomed, allergy.code, allergy.display)},
                 {"patient", reference("Patient", m_patientId, m_name)},
                 {"onsetDateTime", dateText(onset)},
                 {"recordedDate", dateText(std::min(onset.addDays(m_rng.between(0, 60)), m_end))},
                 {"text",
                  narrative(std::string(allergy.display) + ", " + category + ", criticality "
                            + (which <= 2 ? "high" : "low") + ".")}});
        }
    }

    json condition(const Code &code, const QDate &onset, const char *category,
                   const std::string &encounterId, std::optional<QDate> abatement)
    {
        json c
            = {{"resourceType", "Condition"},
               {"id", m_rng.uuid()},
               {"clinicalStatus",
                abatement ? codeable(kConditionClinical, "resolved", "Resolved")
                          : codeable(kConditionClinical, "active", "Active")},
               {"verificationStatus", codeable(kConditionVerification, "confirmed", "Confirmed")},
               {"category",
                json::array({codeable(kConditionCategory, category,
                                      std::string(category) == "problem-list-item"
                                          ? "Problem List Item"
                                          : "Encounter Diagnosis")})},
               {"code", codeable(kSnomed, code.code, code.display)},
               {"subject", reference("Patient", m_patientId, m_name)},
               {"onsetDateTime", dateText(onset)},
               {"recordedDate", dateText(onset)}};
        if (!encounterId.empty())
            c["encounter"] = reference("Encounter", encounterId);
        if (abatement)
            c["abatementDateTime"] = dateText(*abatement);
        c["text"] = narrative(std::string(code.display) + ", since " + dateText(onset)
                              + (abatement ? ", resolved " + dateText(*abatement) : "") + ".");
        return c;
    }

    void makeChronicConditions()
    {
        for (const Chronic &chronic : kChronicConditions) {
            const double age = ageAt(m_end);
            if (age < chronic.minAge + 1)
                continue;
            // More likely with age; diabetes and hyperlipidemia go with a high BMI.
            double p = chronic.prevalence * std::min(1.6, age / 50.0);
            if (std::string(chronic.condition.code) == "44054006" && m_body.bmi > 30)
                p *= 2.2;
            if (!m_rng.chance(std::min(p, 0.8)))
                continue;
            const int from = int(m_birth.addYears(chronic.minAge).daysTo(m_end));
            const QDate onset = m_end.addDays(-m_rng.between(60, std::max(61, from)));
            m_chronic.push_back({&chronic, onset, {}});
            // A diagnosis in the years the record covers has its own visit, with the labs
            // that found it.
            std::string visit;
            if (onset >= m_first) {
                const int minute = 13 * 60 + 15 * m_rng.between(0, 12);
                visit = encounter("AMB", "ambulatory",
                                  {"185347001", "Encounter for problem (procedure)"}, onset, minute,
                                  onset, minute + 30, *m_clinicOrg, *m_gp, &chronic.condition);
                vitalSigns(visit, onset, minute + 5);
                labs(visit, onset, minute);
            }
            json c = condition(chronic.condition, onset, "problem-list-item", visit, std::nullopt);
            m_chronic.back().conditionId = c["id"].get<std::string>();
            add(std::move(c));
            add(medicationRequest(chronic, onset, m_chronic.back().conditionId));
        }
    }

    json medicationRequest(const Chronic &chronic, const QDate &onset,
                           const std::string &conditionId)
    {
        const bool inhaler = std::string(chronic.condition.code) == "195967001";
        const std::string dosage = inhaler ? "2 puffs every 4 to 6 hours as needed for wheezing"
                                           : "1 tablet by mouth once daily";
        json timing = inhaler
            ? json{{"repeat", {{"frequency", 1}, {"period", 4}, {"periodUnit", "h"}}}}
            : json{{"repeat", {{"frequency", 1}, {"period", 1}, {"periodUnit", "d"}}}};
        json request = {
            {"resourceType", "MedicationRequest"},
            {"id", m_rng.uuid()},
            {"status", m_end < m_options.referenceDate ? "stopped" : "active"},
            {"intent", "order"},
            {"medicationCodeableConcept",
             codeable(kRxNorm, chronic.medication.code, chronic.medication.display)},
            {"subject", reference("Patient", m_patientId, m_name)},
            {"authoredOn", dateText(std::min(onset.addDays(m_rng.between(0, 14)), m_end))},
            {"requester", reference("Practitioner", m_gp->id, "Dr. " + m_gp->name)},
            {"reasonReference", json::array({reference("Condition", conditionId)})},
            {"dosageInstruction", json::array({{{"text", dosage}, {"timing", timing}}})},
        };
        if (inhaler)
            request["dosageInstruction"][0]["asNeededBoolean"] = true;
        request["text"] = narrative(std::string(chronic.medication.display) + ": " + dosage + ".");
        return request;
    }

    std::string encounter(const char *classCode, const char *classDisplay, const Code &type,
                          const QDate &start, int startMinute, const QDate &end, int endMinute,
                          const Organization &org, const Practitioner &who,
                          const Code *reason = nullptr)
    {
        const std::string id = m_rng.uuid();
        json e = {
            {"resourceType", "Encounter"},
            {"id", id},
            {"status", "finished"},
            {"class", coding(kActCode, classCode, classDisplay)},
            {"type", json::array({codeable(kSnomed, type.code, type.display)})},
            {"subject", reference("Patient", m_patientId, m_name)},
            {"participant",
             json::array({{{"individual", reference("Practitioner", who.id, "Dr. " + who.name)}}})},
            {"period",
             {{"start", dateTimeText(start, startMinute)}, {"end", dateTimeText(end, endMinute)}}},
            {"location",
             json::array({{{"location", reference("Location", org.locationId, org.name)}}})},
            {"serviceProvider", reference("Organization", org.id, org.name)}};
        if (reason)
            e["reasonCode"] = json::array({codeable(kSnomed, reason->code, reason->display)});
        e["text"]
            = narrative(std::string(classDisplay) + " encounter (" + type.display + ") at "
                        + org.name + " on " + dateText(start) + " with Dr. " + who.name + ".");
        add(std::move(e));
        return id;
    }

    json observation(const char *category, const char *categoryDisplay, const Code &code,
                     const std::string &encounterId, const QDate &day, int minute)
    {
        return {
            {"resourceType", "Observation"},
            {"id", m_rng.uuid()},
            {"status", "final"},
            {"category", json::array({codeable(kObservationCategory, category, categoryDisplay)})},
            {"code", codeable(kLoinc, code.code, code.display)},
            {"subject", reference("Patient", m_patientId, m_name)},
            {"encounter", reference("Encounter", encounterId)},
            {"effectiveDateTime", dateTimeText(day, minute)},
            {"issued",
             str(QDateTime(day, QTime(minute / 60, minute % 60), QTimeZone(-5 * 3600))
                     .addSecs(3600)
                     .toUTC()
                     .toString(Qt::ISODateWithMs))}};
    }

    static json interpretation(double value, const Measure &m)
    {
        const char *code = "N";
        const char *display = "Normal";
        if (m.high > m.low && value > m.high) {
            code = "H";
            display = "High";
        } else if (m.low > 0 && value < m.low) {
            code = "L";
            display = "Low";
        }
        return json::array({codeable(kInterpretation, code, display)});
    }

    static json referenceRange(const Measure &m)
    {
        json range = json::object();
        if (m.low > 0)
            range["low"] = quantity(m.low, m.decimals, m.unitText, m.unit);
        if (m.high > 0)
            range["high"] = quantity(m.high, m.decimals, m.unitText, m.unit);
        return range.empty() ? json() : json::array({range});
    }

    // One measured value: an Observation with its quantity, range and interpretation.
    std::string measurement(const char *category, const char *categoryDisplay, const Measure &m,
                            double value, const std::string &encounterId, const QDate &day,
                            int minute, bool interpret)
    {
        json o = observation(category, categoryDisplay, {m.loinc, m.display}, encounterId, day,
                             minute);
        o["valueQuantity"] = quantity(value, m.decimals, m.unitText, m.unit);
        if (json range = referenceRange(m); interpret && !range.is_null()) {
            o["referenceRange"] = range;
            o["interpretation"] = interpretation(value, m);
        }
        o["text"] = narrative(std::string(m.display) + ": " + formatValue(value, m.decimals) + " "
                              + m.unitText + " on " + dateText(day) + ".");
        const std::string id = o["id"];
        add(std::move(o));
        return id;
    }

    double heightAt(double age) const
    {
        if (age >= 18)
            return m_body.heightCm;
        // A rough growth curve: 50 cm at birth, adult height at 18.
        const double fraction = age < 2 ? 0.29 + 0.12 * age : 0.53 + 0.47 * (age - 2) / 16;
        return std::max(48.0, m_body.heightCm * std::min(1.0, fraction * 1.0));
    }

    void vitalSigns(const std::string &encounterId, const QDate &day, int minute)
    {
        const double age = ageAt(day);
        const double height = heightAt(age);
        const double bmi = age >= 18 ? m_body.bmi + 0.08 * (age - 40) + m_rng.normal(0, 0.4)
                                     : std::max(14.0, 15.5 + 0.25 * age + m_rng.normal(0, 0.8));
        const double weight = bmi * (height / 100) * (height / 100);
        const char *vs = "vital-signs";
        const char *vsDisplay = "Vital Signs";
        measurement(vs, vsDisplay, kBodyHeight, height, encounterId, day, minute, false);
        measurement(vs, vsDisplay, kBodyWeight, weight, encounterId, day, minute, false);
        if (age >= 2)
            measurement(vs, vsDisplay, kBmi, weight / ((height / 100) * (height / 100)),
                        encounterId, day, minute, age >= 18);
        measurement(vs, vsDisplay, kHeartRate,
                    (age < 12 ? m_body.heartRate + 20 - age : m_body.heartRate)
                        + m_rng.normal(0, 4),
                    encounterId, day, minute, age >= 12);
        measurement(vs, vsDisplay, kRespiratoryRate,
                    (age < 12 ? 24 - age * 0.6 : 15) + m_rng.normal(0, 1.5), encounterId, day,
                    minute, age >= 12);
        measurement(vs, vsDisplay, kBodyTemperature, 36.7 + m_rng.normal(0, 0.25), encounterId, day,
                    minute, true);
        if (age < 3)
            return;
        // Blood pressure rises with age; hypertension adds to it until treatment brings it down.
        double systolic = m_body.systolic + 0.45 * (std::max(age, 18.0) - 40) - (age < 18 ? 12 : 0);
        double diastolic
            = m_body.diastolic + 0.15 * (std::max(age, 18.0) - 40) - (age < 18 ? 8 : 0);
        for (const Diagnosis &d : m_chronic) {
            if (std::string(d.chronic->condition.code) != "38341003")
                continue;
            const double yearsTreated = d.onset.daysTo(day) / 365.25;
            const double excess = yearsTreated < 0 ? 12 + 4 * (yearsTreated + 1)
                                                   : std::max(4.0, 22 - 7 * yearsTreated);
            systolic += std::max(0.0, excess);
            diastolic += std::max(0.0, excess * 0.5);
        }
        systolic += m_rng.normal(0, 5);
        diastolic += m_rng.normal(0, 3.5);
        json bp = observation(vs, vsDisplay, kBloodPressurePanel, encounterId, day, minute);
        auto component = [&](const Measure &m, double value) {
            return json{{"code", codeable(kLoinc, m.loinc, m.display)},
                        {"valueQuantity", quantity(value, 0, m.unitText, m.unit)},
                        {"referenceRange", referenceRange(m)},
                        {"interpretation", interpretation(std::round(value), m)}};
        };
        bp["component"]
            = json::array({component(kSystolic, systolic), component(kDiastolic, diastolic)});
        bp["text"] = narrative("Blood pressure " + formatValue(systolic, 0) + "/"
                               + formatValue(diastolic, 0) + " mmHg on " + dateText(day) + ".");
        add(std::move(bp));
    }

    void report(const Code &code, const std::vector<std::string> &results,
                const std::string &encounterId, const QDate &day, int minute,
                const std::string &summary)
    {
        json r = {{"resourceType", "DiagnosticReport"},
                  {"id", m_rng.uuid()},
                  {"status", "final"},
                  {"category", json::array({codeable(kDiagnosticService, "LAB", "Laboratory")})},
                  {"code", codeable(kLoinc, code.code, code.display)},
                  {"subject", reference("Patient", m_patientId, m_name)},
                  {"encounter", reference("Encounter", encounterId)},
                  {"effectiveDateTime", dateTimeText(day, minute)},
                  {"issued",
                   str(QDateTime(day.addDays(1), QTime(8, 0), QTimeZone(-5 * 3600))
                           .toUTC()
                           .toString(Qt::ISODateWithMs))},
                  {"performer",
                   json::array({reference("Organization", m_clinic.organizations[0].id,
                                          m_clinic.organizations[0].name)})},
                  {"result", json::array()}};
        for (const std::string &id : results)
            r["result"].push_back(reference("Observation", id));
        r["text"] = narrative(std::string(code.display) + " on " + dateText(day) + ": " + summary);
        add(std::move(r));
    }

    void labs(const std::string &encounterId, const QDate &day, int minute)
    {
        const double age = ageAt(day);
        if (age < 18)
            return;
        const int labMinute = minute + 20;
        const char *lab = "laboratory";
        const char *labDisplay = "Laboratory";
        const bool diabetic = has("44054006", day);
        const bool lipids = has("55822004", day);
        const bool hypertensive = has("38341003", day);
        if (age >= 35 || lipids) {
            double treated = 0;
            for (const Diagnosis &d : m_chronic) {
                if (std::string(d.chronic->condition.code) == "55822004" && d.onset <= day)
                    treated = std::min(1.0, d.onset.daysTo(day) / 365.0);
            }
            const double raised = lipids ? 55 * (1 - 0.6 * treated) : 0;
            const double total
                = m_body.cholesterol + 0.6 * (age - 40) + raised + m_rng.normal(0, 9);
            const double hdl = m_body.hdl + m_rng.normal(0, 3);
            const double trig = m_body.triglycerides + (diabetic ? 60 : 0) + m_rng.normal(0, 15);
            const double ldl = total - hdl - trig / 5;
            std::vector<std::string> ids{
                measurement(lab, labDisplay, kCholesterol, total, encounterId, day, labMinute,
                            true),
                measurement(lab, labDisplay, kTriglycerides, trig, encounterId, day, labMinute,
                            true),
                measurement(lab, labDisplay, kHdl, hdl, encounterId, day, labMinute, true),
                measurement(lab, labDisplay, kLdl, ldl, encounterId, day, labMinute, true)};
            report(kLipidPanel, ids, encounterId, day, labMinute,
                   "total cholesterol " + formatValue(total, 0) + " mg/dL, LDL "
                       + formatValue(ldl, 0) + " mg/dL.");
        }
        if (diabetic) {
            double a1c = m_body.hba1c;
            for (const Diagnosis &d : m_chronic) {
                if (std::string(d.chronic->condition.code) == "44054006") {
                    const double years = d.onset.daysTo(day) / 365.25;
                    a1c = 8.6 - std::min(1.4, 0.6 * years) + m_rng.normal(0, 0.3);
                }
            }
            const std::string id
                = measurement(lab, labDisplay, kHbA1c, a1c, encounterId, day, labMinute, true);
            report(kHbA1cReport, {id}, encounterId, day, labMinute,
                   "HbA1c " + formatValue(a1c, 1) + " %.");
        }
        if (diabetic || hypertensive || age >= 50) {
            const double glucose = (diabetic ? 150 : m_body.hba1c * 17.5) + m_rng.normal(0, 8);
            const double creatinine = m_body.creatinine + (hypertensive ? 0.004 * (age - 40) : 0)
                + m_rng.normal(0, 0.05);
            std::vector<std::string> ids{
                measurement(lab, labDisplay, kGlucose, glucose, encounterId, day, labMinute, true),
                measurement(lab, labDisplay, kCreatinine, creatinine, encounterId, day, labMinute,
                            true)};
            report(kMetabolicReport, ids, encounterId, day, labMinute,
                   "glucose " + formatValue(glucose, 0) + " mg/dL, creatinine "
                       + formatValue(creatinine, 2) + " mg/dL.");
        }
    }

    void procedure(const Code &code, const std::string &encounterId, const QDate &day, int minute,
                   const Practitioner &who)
    {
        add({{"resourceType", "Procedure"},
             {"id", m_rng.uuid()},
             {"status", "completed"},
             {"code", codeable(kSnomed, code.code, code.display)},
             {"subject", reference("Patient", m_patientId, m_name)},
             {"encounter", reference("Encounter", encounterId)},
             {"performedDateTime", dateTimeText(day, minute)},
             {"performer",
              json::array({{{"actor", reference("Practitioner", who.id, "Dr. " + who.name)}}})},
             {"text", narrative(std::string(code.display) + " on " + dateText(day) + ".")}});
    }

    void makeTimeline()
    {
        const QDate first = m_first;
        const int visitDay = m_rng.between(10, 340);
        const Organization &hospital = m_clinic.organizations[0];
        for (int year = first.year(); year <= m_end.year(); ++year) {
            QDate day = QDate(year, 1, 1).addDays(visitDay);
            if (day < first || day > m_end)
                continue;
            // A yearly check-up with vital signs and, for adults, labs.
            const int minute = 8 * 60 + 15 * m_rng.between(0, 32);
            const std::string checkup = encounter(
                "AMB", "ambulatory", {"185349003", "Encounter for check up (procedure)"}, day,
                minute, day, minute + 30, *m_clinicOrg, *m_gp);
            vitalSigns(checkup, day, minute + 5);
            labs(checkup, day, minute);
            if (!m_chronic.empty() && m_rng.chance(0.5))
                procedure(kProcedures[3], checkup, day, minute + 25, *m_gp);
            if (ageAt(day) >= 12 && m_rng.chance(0.3))
                procedure(kProcedures[4], checkup, day, minute + 20, *m_gp);
            if (has("44054006", day) && m_rng.chance(0.5))
                procedure(kProcedures[5], checkup, day, minute + 20, *m_gp);

            // Now and then a sick visit or a trip to the emergency department.
            if (m_rng.chance(0.35)) {
                const QDate sick = QDate(year, 1, 1).addDays(m_rng.between(0, 364));
                if (sick > first && sick < m_end) {
                    const Code &problem = kAcuteConditions[size_t(m_rng.between(0, 3))];
                    const int at = 9 * 60 + 15 * m_rng.between(0, 28);
                    const std::string visit = encounter(
                        "AMB", "ambulatory", {"185345009", "Encounter for symptom (procedure)"},
                        sick, at, sick, at + 20, *m_clinicOrg, *m_gp, &problem);
                    add(condition(problem, sick, "encounter-diagnosis", visit,
                                  sick.addDays(m_rng.between(7, 21))));
                    measurement("vital-signs", "Vital Signs", kBodyTemperature,
                                37.4 + m_rng.normal(0.6, 0.4), visit, sick, at + 5, true);
                }
            }
            if (m_rng.chance(0.08)) {
                const QDate injured = QDate(year, 1, 1).addDays(m_rng.between(0, 364));
                if (injured > first && injured < m_end) {
                    const Code &injury = kAcuteConditions[size_t(m_rng.between(4, 5))];
                    const int at = m_rng.between(0, 1300);
                    const Practitioner &doctor = practitionerFor("773568002");
                    const std::string visit = encounter(
                        "EMER", "emergency", {"50849002", "Emergency room admission (procedure)"},
                        injured, at, injured, at + 135, hospital, doctor, &injury);
                    add(condition(injury, injured, "encounter-diagnosis", visit,
                                  injured.addDays(m_rng.between(14, 42))));
                    vitalSigns(visit, injured, at + 10);
                }
            }
        }
        // A few patients have a hospital stay with surgery.
        if (ageAt(m_end) > 10 && m_rng.chance(0.06)) {
            const QDate admitted = m_end.addDays(-m_rng.between(20, 1500));
            if (admitted > first) {
                const bool cardiac = has("38341003", admitted) && ageAt(admitted) > 55;
                const Code &surgery = cardiac ? kProcedures[2] : kProcedures[1];
                const Practitioner &surgeon = practitionerFor(cardiac ? "394579002" : "394802001");
                const QDate discharged = admitted.addDays(cardiac ? m_rng.between(5, 9) : 2);
                const std::string stay = encounter(
                    "IMP", "inpatient encounter", {"32485007", "Hospital admission (procedure)"},
                    admitted, 7 * 60, discharged > m_end ? m_end : discharged, 11 * 60, hospital,
                    surgeon);
                procedure(surgery, stay, admitted, 9 * 60, surgeon);
                vitalSigns(stay, admitted, 7 * 60 + 30);
            }
        }
        if (ageAt(m_end) >= 50 && m_rng.chance(0.4)) {
            const QDate day = m_end.addDays(-m_rng.between(30, 1200));
            if (day > first) {
                const Practitioner &gi = practitionerFor("394802001");
                const std::string visit = encounter(
                    "AMB", "ambulatory", {"185349003", "Encounter for check up (procedure)"}, day,
                    8 * 60, day, 10 * 60, hospital, gi);
                procedure(kProcedures[0], visit, day, 8 * 60 + 30, gi);
            }
        }
    }

    void makeImmunizations()
    {
        const QDate fluFrom = m_options.referenceDate.addYears(-5);
        for (const Vaccine &v : kVaccines) {
            for (QDate day = m_birth.addMonths(v.fromAgeMonths); day <= m_end;
                 day = day.addMonths(v.everyMonths)) {
                const bool seasonal = std::string(v.cvx.code) == "140";
                if (!seasonal || day >= fluFrom) {
                    add({{"resourceType", "Immunization"},
                         {"id", m_rng.uuid()},
                         {"status", "completed"},
                         {"vaccineCode", codeable(kCvx, v.cvx.code, v.cvx.display)},
                         {"patient", reference("Patient", m_patientId, m_name)},
                         {"occurrenceDateTime", dateTimeText(day, 10 * 60)},
                         {"primarySource", true},
                         {"location",
                          reference("Location", m_clinicOrg->locationId, m_clinicOrg->name)},
                         {"performer",
                          json::array(
                              {{{"actor",
                                 reference("Practitioner", m_gp->id, "Dr. " + m_gp->name)}}})},
                         {"text",
                          narrative(std::string(v.cvx.display) + " given " + dateText(day)
                                    + ".")}});
                }
                if (v.everyMonths == 0)
                    break;
            }
        }
    }
};

} // namespace

Generator::Generator(Options options)
    : m_options(options)
    , m_clinic(std::make_shared<const ClinicData>(m_options))
{
}

int Generator::practitionerCount() const
{
    return int(m_clinic->practitioners.size());
}

std::vector<json> Generator::sharedResources() const
{
    const ClinicData &clinic = *m_clinic;
    std::vector<json> out;
    for (const Organization &org : clinic.organizations) {
        const Town &town = kTowns[org.town];
        out.push_back(
            {{"resourceType", "Organization"},
             {"id", org.id},
             {"active", true},
             {"type", json::array({codeable(kOrganizationType, "prov", "Healthcare Provider")})},
             {"name", org.name},
             {"telecom",
              json::array({{{"system", "phone"}, {"value", "555-010-0100"}, {"use", "work"}}})},
             {"address",
              json::array({{{"use", "work"},
                            {"city", town.city},
                            {"state", town.state},
                            {"country", "US"}}})},
             {"text", narrative(org.name + ", " + town.city + ", " + town.state + ".")}});
        out.push_back(
            {{"resourceType", "Location"},
             {"id", org.locationId},
             {"status", "active"},
             {"name", org.name},
             {"mode", "instance"},
             {"address",
              {{"use", "work"}, {"city", town.city}, {"state", town.state}, {"country", "US"}}},
             {"managingOrganization", reference("Organization", org.id, org.name)},
             {"text", narrative(org.name + " (" + town.city + ").")}});
    }
    for (const Practitioner &p : clinic.practitioners) {
        const Organization &org = clinic.organizations[p.organization];
        const std::string given = p.name.substr(0, p.name.find(' '));
        const std::string family = p.name.substr(p.name.find(' ') + 1);
        out.push_back({{"resourceType", "Practitioner"},
                       {"id", p.id},
                       {"active", true},
                       {"name",
                        json::array({{{"use", "official"},
                                      {"family", family},
                                      {"given", json::array({given})},
                                      {"prefix", json::array({"Dr."})}}})},
                       {"text", narrative("Dr. " + p.name + ", " + p.specialty.display + ".")}});
        out.push_back(
            {{"resourceType", "PractitionerRole"},
             {"id", p.roleId},
             {"active", true},
             {"practitioner", reference("Practitioner", p.id, "Dr. " + p.name)},
             {"organization", reference("Organization", org.id, org.name)},
             {"specialty", json::array({codeable(kSnomed, p.specialty.code, p.specialty.display)})},
             {"location", json::array({reference("Location", org.locationId, org.name)})},
             {"text",
              narrative("Dr. " + p.name + ": " + p.specialty.display + " at " + org.name + ".")}});
    }
    return out;
}

std::vector<json> Generator::patientRecord(int index) const
{
    return RecordBuilder(m_options, *m_clinic, index).build();
}

} // namespace fhir::synthetic
