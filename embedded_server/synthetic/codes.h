#pragma once

// The generator's own small tables of real codes (written for this project, not copied from
// anyone's data files). Systems: LOINC, SNOMED CT, RxNorm, CVX, UCUM, HL7 v2/v3.

#include <string>
#include <vector>

namespace fhir::synthetic::codes {

inline constexpr const char *kLoinc = "http://loinc.org";
inline constexpr const char *kSnomed = "http://snomed.info/sct";
inline constexpr const char *kRxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
inline constexpr const char *kCvx = "http://hl7.org/fhir/sid/cvx";
inline constexpr const char *kUcum = "http://unitsofmeasure.org";
inline constexpr const char *kObservationCategory
    = "http://terminology.hl7.org/CodeSystem/observation-category";
inline constexpr const char *kInterpretation
    = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
inline constexpr const char *kActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
inline constexpr const char *kIdentifierType = "http://terminology.hl7.org/CodeSystem/v2-0203";
inline constexpr const char *kMaritalStatus
    = "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus";
inline constexpr const char *kConditionClinical
    = "http://terminology.hl7.org/CodeSystem/condition-clinical";
inline constexpr const char *kConditionVerification
    = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
inline constexpr const char *kConditionCategory
    = "http://terminology.hl7.org/CodeSystem/condition-category";
inline constexpr const char *kAllergyClinical
    = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
inline constexpr const char *kAllergyVerification
    = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";
inline constexpr const char *kDiagnosticService = "http://terminology.hl7.org/CodeSystem/v2-0074";
inline constexpr const char *kLanguage = "urn:ietf:bcp:47";
inline constexpr const char *kOrganizationType
    = "http://terminology.hl7.org/CodeSystem/organization-type";
inline constexpr const char *kPractitionerRole
    = "http://terminology.hl7.org/CodeSystem/practitioner-role";

struct Code
{
    const char *code;
    const char *display;
};

// A measured quantity: LOINC code, UCUM unit, normal range for adults.
struct Measure
{
    const char *loinc;
    const char *display;
    const char *unit; // UCUM code
    const char *unitText; // what a person writes
    double low;
    double high;
    int decimals;
};

inline const Measure kSystolic{"8480-6", "Systolic blood pressure", "mm[Hg]", "mmHg", 90, 120, 0};
inline const Measure kDiastolic{"8462-4", "Diastolic blood pressure", "mm[Hg]", "mmHg", 60, 80, 0};
inline const Measure kHeartRate{"8867-4", "Heart rate", "/min", "beats/minute", 60, 100, 0};
inline const Measure kRespiratoryRate{
    "9279-1", "Respiratory rate", "/min", "breaths/minute", 12, 20, 0};
inline const Measure kBodyTemperature{"8310-5", "Body temperature", "Cel", "C", 36.1, 37.2, 1};
inline const Measure kBodyHeight{"8302-2", "Body height", "cm", "cm", 0, 0, 1};
inline const Measure kBodyWeight{"29463-7", "Body weight", "kg", "kg", 0, 0, 1};
inline const Measure kBmi{"39156-5", "Body mass index (BMI) [Ratio]", "kg/m2", "kg/m2", 18.5, 25,
                          1};
inline const Measure kHbA1c{
    "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", "%", 4.0, 5.6, 1};
inline const Measure kGlucose{
    "2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL", 70, 99, 0};
inline const Measure kCholesterol{
    "2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL", 0, 200, 0};
inline const Measure kTriglycerides{
    "2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL", 0, 150, 0};
inline const Measure kHdl{
    "2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL", 40, 100, 0};
inline const Measure kLdl{
    "18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay",
    "mg/dL",   "mg/dL",
    0,         100,
    0};
inline const Measure kCreatinine{
    "2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL", 0.6, 1.3, 2};

inline const Code kBloodPressurePanel{"85354-9", "Blood pressure panel with all children optional"};
inline const Code kLipidPanel{"57698-3", "Lipid panel with direct LDL - Serum or Plasma"};
inline const Code kHbA1cReport{"4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"};
inline const Code kMetabolicReport{"24323-8",
                                   "Comprehensive metabolic 2000 panel - Serum or Plasma"};

// Chronic conditions (SNOMED CT), each with the medication that treats it (RxNorm), the age
// from which it appears and a rough prevalence.
struct Chronic
{
    Code condition;
    Code medication; // RxNorm
    int minAge;
    double prevalence;
};

inline const std::vector<Chronic> kChronicConditions = {
    {{"38341003", "Hypertensive disorder, systemic arterial (disorder)"},
     {"314076", "lisinopril 10 MG Oral Tablet"},
     30,
     0.30},
    {{"44054006", "Diabetes mellitus type 2 (disorder)"},
     {"860975", "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet"},
     35,
     0.12},
    {{"55822004", "Hyperlipidemia (disorder)"},
     {"259255", "atorvastatin 80 MG Oral Tablet"},
     35,
     0.25},
    {{"195967001", "Asthma (disorder)"},
     {"745679", "200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler"},
     2,
     0.08},
};

// Acute problems seen in ambulatory and emergency visits.
inline const std::vector<Code> kAcuteConditions = {
    {"444814009", "Viral sinusitis (disorder)"},
    {"195662009", "Acute viral pharyngitis (disorder)"},
    {"10509002", "Acute bronchitis (disorder)"},
    {"68566005", "Urinary tract infectious disease (disorder)"},
    {"44465007", "Sprain of ankle (disorder)"},
    {"62106007", "Concussion with no loss of consciousness (disorder)"},
};

inline const std::vector<Code> kAllergies = {
    {"91936005", "Allergy to penicillin (finding)"},
    {"91935009", "Allergy to peanut (finding)"},
    {"300913006", "Shellfish allergy (finding)"},
    {"419474003", "Allergy to mould (finding)"},
    {"232347008", "Dander (animal) allergy (finding)"},
    {"418689008", "Allergy to grass pollen (finding)"},
};

inline const std::vector<Code> kProcedures = {
    {"73761001", "Colonoscopy (procedure)"},
    {"80146002", "Excision of appendix (procedure)"},
    {"232717009", "Coronary artery bypass grafting (procedure)"},
    {"430193006", "Medication reconciliation (procedure)"},
    {"171207006", "Depression screening (procedure)"},
    {"268556000", "Urine screening for glucose (procedure)"},
};

struct Vaccine
{
    Code cvx;
    int fromAgeMonths; // given at this age...
    int everyMonths; // ...and again this often (0: once)
};

inline const std::vector<Vaccine> kVaccines = {
    {{"08", "Hep B, adolescent or pediatric"}, 0, 0},
    {{"20", "DTaP"}, 2, 0},
    {{"10", "IPV"}, 2, 0},
    {{"133", "Pneumococcal conjugate PCV 13"}, 2, 0},
    {{"03", "MMR"}, 12, 0},
    {{"21", "varicella"}, 12, 0},
    {{"62", "HPV, quadrivalent"}, 132, 0},
    {{"115", "Tdap"}, 132, 120},
    {{"140", "Influenza, seasonal, injectable, preservative free"}, 6, 12},
    {{"33", "pneumococcal polysaccharide PPV23"}, 780, 0},
};

// Names from several cultures: (given female, given male, family).
struct NamePool
{
    std::vector<const char *> female;
    std::vector<const char *> male;
    std::vector<const char *> family;
    const char *language; // BCP-47
    const char *languageDisplay;
};

inline const std::vector<NamePool> kNamePools = {
    {{"Emma", "Olivia", "Ava", "Grace", "Lucy"},
     {"James", "Liam", "Noah", "Henry", "Jack"},
     {"Smith", "Johnson", "Walker", "Thompson", "Clarke"},
     "en-US",
     "English (United States)"},
    {{"María", "Lucía", "Sofía", "Camila", "Valentina"},
     {"José", "Mateo", "Diego", "Santiago", "Javier"},
     {"García", "Rodríguez", "Martínez", "Hernández", "López"},
     "es",
     "Spanish"},
    {{"Mei", "Xiu", "Lan", "Hui", "Jing"},
     {"Wei", "Jun", "Hao", "Lei", "Ming"},
     {"Wang", "Li", "Zhang", "Chen", "Liu"},
     "zh",
     "Chinese"},
    {{"Aisha", "Fatima", "Amina", "Zainab", "Maryam"},
     {"Omar", "Yusuf", "Ibrahim", "Hassan", "Bilal"},
     {"Haddad", "Rahman", "Khalil", "Nasser", "Saleh"},
     "ar",
     "Arabic"},
    {{"Priya", "Ananya", "Diya", "Kavya", "Meera"},
     {"Arjun", "Rohan", "Vikram", "Aditya", "Rahul"},
     {"Sharma", "Patel", "Iyer", "Reddy", "Gupta"},
     "hi",
     "Hindi"},
    {{"Chiamaka", "Ngozi", "Adaeze", "Folake", "Yetunde"},
     {"Chinedu", "Emeka", "Tunde", "Kelechi", "Femi"},
     {"Okafor", "Adeyemi", "Nwosu", "Balogun", "Eze"},
     "yo",
     "Yoruba"},
    {{"Anna", "Katarzyna", "Zofia", "Maja", "Julia"},
     {"Jakub", "Piotr", "Tomasz", "Kacper", "Marek"},
     {"Kowalski", "Nowak", "Wiśniewski", "Zieliński", "Lewandowski"},
     "pl",
     "Polish"},
    {{"Yuki", "Sakura", "Haruka", "Aiko", "Emi"},
     {"Haruto", "Ren", "Sota", "Takumi", "Kenji"},
     {"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe"},
     "ja",
     "Japanese"},
};

struct Town
{
    const char *city;
    const char *state;
    const char *postalPrefix;
};

inline const std::vector<Town> kTowns = {
    {"Springfield", "MA", "011"}, {"Worcester", "MA", "016"}, {"Lowell", "MA", "018"},
    {"Cambridge", "MA", "021"},   {"Quincy", "MA", "021"},    {"Plymouth", "MA", "023"},
};

inline const std::vector<const char *> kStreets = {
    "Maple Street",    "Oak Avenue",      "Elm Street",    "Washington Street", "Pleasant Street",
    "Highland Avenue", "Chestnut Street", "School Street", "Park Avenue",       "Summer Street",
};

inline const std::vector<Code> kMaritalStatuses = {
    {"M", "Married"},
    {"S", "Never Married"},
    {"D", "Divorced"},
    {"W", "Widowed"},
};

inline const std::vector<Code> kSpecialties = {
    {"419772000", "Family practice"},    {"394802001", "General medicine"},
    {"394579002", "Cardiology"},         {"394583002", "Endocrinology"},
    {"418112009", "Pulmonary medicine"}, {"773568002", "Emergency medicine"},
};

} // namespace fhir::synthetic::codes
