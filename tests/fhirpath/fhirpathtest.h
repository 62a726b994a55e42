#pragma once

// Shared helpers for the FHIRPath tests: fixtures and a canonical text for a result.

#include "schemas/fhirpath/fhirpath.h"

#include <QStringList>

using namespace Qt::StringLiterals;

/// "[1, 'a', @2012, 5 'mg', {"use":"home"}]" for a collection; "error" for an Error.
inline QString render(const fhir::Result<fhir::fhirpath::Collection> &result)
{
    using fhir::fhirpath::Item;
    if (!result)
        return u"error"_s;
    QStringList parts;
    for (const Item &item : *result) {
        const Item v = item.toSystem();
        if (v.isNode()) {
            parts << (item.json() ? QString::fromStdString(item.json()->dump()) : u"(ext)"_s);
            continue;
        }
        switch (v.kind()) {
        case Item::Kind::String:
            parts << u'\'' + v.asString() + u'\'';
            break;
        case Item::Kind::Date:
        case Item::Kind::DateTime:
        case Item::Kind::Time:
            parts << QString::fromStdString(v.toJson()["value"].get<std::string>());
            break;
        default:
            parts << v.toDisplayString();
        }
    }
    return u'[' + parts.join(u", "_s) + u']';
}

inline const char *patientJson()
{
    return R"({
  "resourceType": "Patient",
  "id": "example",
  "meta": {"lastUpdated": "2020-01-01T10:00:00Z"},
  "extension": [{"url": "http://example.org/ext/eyes", "valueString": "blue"}],
  "identifier": [{"use": "usual", "system": "urn:oid:1.2.36.146.595.217.0.1", "value": "12345"}],
  "active": true,
  "name": [
    {"use": "official", "family": "Chalmers", "given": ["Peter", "James"]},
    {"use": "usual", "given": ["Jim"]},
    {"use": "maiden", "family": "Windsor", "given": ["Peter", "James"], "period": {"end": "2002"}}
  ],
  "telecom": [
    {"use": "home"},
    {"system": "phone", "value": "(03) 5555 6473", "use": "work", "rank": 1}
  ],
  "gender": "male",
  "birthDate": "1974-12-25",
  "_birthDate": {"id": "bd", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                   "valueDateTime": "1974-12-25T14:35:45-05:00"}]},
  "deceasedBoolean": false,
  "address": [{"use": "home", "line": ["534 Erewhon St"], "city": "PleasantVille", "postalCode": "3999"}],
  "managingOrganization": {"reference": "#org1"},
  "generalPractitioner": [{"reference": "Practitioner/p1"}],
  "contained": [{"resourceType": "Organization", "id": "org1", "name": "Gastro Clinic"}],
  "contact": [{
    "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0131", "code": "N"}]}],
    "name": {"family": "du Marché", "given": ["Bénédicte"]},
    "gender": "female"
  }],
  "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "nl"}]}, "preferred": true}]
})";
}

inline const char *observationJson()
{
    return R"({
  "resourceType": "Observation",
  "id": "o1",
  "status": "final",
  "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7", "display": "Body Weight"},
                      {"system": "http://snomed.info/sct", "code": "27113001"}]},
  "subject": {"reference": "Patient/example"},
  "effectiveDateTime": "2016-03-28T09:30:00+01:00",
  "issued": "2016-03-28T10:00:00.000Z",
  "valueQuantity": {"value": 185.5, "unit": "lbs", "system": "http://unitsofmeasure.org", "code": "[lb_av]"},
  "interpretation": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "code": "H"}]}],
  "component": [
    {"code": {"text": "a"}, "valueString": "x"},
    {"code": {"text": "b"}, "valueInteger": 3},
    {"code": {"text": "c"}, "valueCodeableConcept": {"text": "cc"}}
  ]
})";
}

inline const char *bundleJson()
{
    return R"({
  "resourceType": "Bundle",
  "type": "collection",
  "entry": [
    {"fullUrl": "http://example.org/fhir/Patient/p1",
     "resource": {"resourceType": "Patient", "id": "p1", "name": [{"family": "One"}]}},
    {"fullUrl": "urn:uuid:04121321-4af5-424c-a0e1-ed3aab1c349d",
     "resource": {"resourceType": "Observation", "id": "o2", "status": "final",
                  "code": {"text": "x"},
                  "subject": {"reference": "Patient/p1"},
                  "performer": [{"reference": "urn:uuid:04121321-4af5-424c-a0e1-ed3aab1c349d"}]}}
  ]
})";
}
