// Known facts of the FHIR R4 (4.0.1) specification, asserted against the model built from the
// spec's own definition files.

#include "schemas/model.h"

#include "testmodel.h"
#include <QTemporaryDir>

#include <QTest>

using namespace fhir::schema;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(fhir::schema::SearchParamType)

class TestModel : public QObject
{
    Q_OBJECT

private:
    std::shared_ptr<const Model> m_model;
    const Model &model() const { return *m_model; }

    QStringList childNames(const QString &path)
    {
        QStringList names;
        const auto children = model().children(path);
        if (!children)
            return {u"error: "_s + children.error()};
        for (const ElementNode &node : *children)
            names.append(node.path.mid(node.path.lastIndexOf(u'.') + 1));
        return names;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_model = loadTestModel();
        QCOMPARE(model().fhirVersion(), u"4.0.1"_s);
    }

    // R4 has 146 concrete resource types: the codes of its resource-types code system, less the
    // abstract Resource and DomainResource.
    void resourceTypeCount()
    {
        const QStringList types = model().resourceTypes();
        QCOMPARE(types.size(), 146);
        QVERIFY(types.contains(u"Patient"_s));
        QVERIFY(types.contains(u"Bundle"_s));
        QVERIFY(!types.contains(u"Resource"_s));
        QVERIFY(!types.contains(u"DomainResource"_s));
        // A later version's resource that some packagings carry is not an R4 type.
        QVERIFY(!types.contains(u"SubscriptionStatus"_s));
        QVERIFY(std::is_sorted(types.begin(), types.end()));
    }

    void categories_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("area");
        QTest::addColumn<QString>("group");
        QTest::newRow("Patient") << u"Patient"_s << u"Base"_s << u"Individuals"_s;
        QTest::newRow("Observation") << u"Observation"_s << u"Clinical"_s << u"Diagnostics"_s;
        QTest::newRow("Claim") << u"Claim"_s << u"Financial"_s << u"Billing"_s;
        QTest::newRow("Bundle") << u"Bundle"_s << u"Foundation"_s << u"Other"_s;
        QTest::newRow("CapabilityStatement")
            << u"CapabilityStatement"_s << u"Foundation"_s << u"Conformance"_s;
        QTest::newRow("Questionnaire")
            << u"Questionnaire"_s << u"Specialized"_s << u"Definitional Artifacts"_s;
        // The files escape the ampersand; the model does not.
        QTest::newRow("ServiceRequest")
            << u"ServiceRequest"_s << u"Clinical"_s << u"Care Provision"_s;
    }
    void categories()
    {
        QFETCH(QString, type);
        QFETCH(QString, area);
        QFETCH(QString, group);
        const auto info = model().type(type);
        QVERIFY2(info, qPrintable(info.error()));
        QCOMPARE((*info)->category.area, area);
        QCOMPARE((*info)->category.group, group);
        QCOMPARE((*info)->kind, TypeKind::Resource);
    }

    void everyResourceHasCategoryAndDescription()
    {
        QSet<QString> areas;
        for (const QString &name : model().resourceTypes()) {
            const auto info = model().type(name);
            QVERIFY(info);
            QVERIFY2(!(*info)->category.area.isEmpty(), qPrintable(name));
            QVERIFY2(!(*info)->category.group.contains(u"&amp;"_s), qPrintable(name));
            QVERIFY2(!(*info)->shortDescription.isEmpty(), qPrintable(name));
            areas.insert((*info)->category.area);
        }
        QCOMPARE(areas,
                 (QSet<QString>{u"Foundation"_s, u"Base"_s, u"Clinical"_s, u"Financial"_s,
                                u"Specialized"_s}));
        QCOMPARE((*model().type(u"Patient"_s))->shortDescription,
                 u"Information about an individual or animal receiving health care services"_s);
    }

    void dataTypes()
    {
        const QStringList types = model().dataTypes();
        for (const char *name : {"HumanName", "CodeableConcept", "Quantity", "SimpleQuantity",
                                 "Reference", "Extension", "date", "string", "xhtml"})
            QVERIFY2(types.contains(QLatin1String(name)), name);
        QVERIFY(!types.contains(u"Patient"_s));
        QVERIFY(!types.contains(u"Element"_s)); // abstract
        // R4 has 20 primitive types (datatypes.html#primitive).
        QCOMPARE(model().primitiveTypes().size(), 20);
        QVERIFY(model().isPrimitiveType(u"dateTime"_s));
        QVERIFY(!model().isPrimitiveType(u"HumanName"_s));
        QVERIFY(model().isDataType(u"HumanName"_s));
        QVERIFY(!model().isResourceType(u"HumanName"_s));
        const auto simple = model().type(u"SimpleQuantity"_s);
        QVERIFY(simple);
        QVERIFY((*simple)->isConstraint);
        QCOMPARE((*simple)->baseType, u"Quantity"_s);
    }

    void primitiveRegexes_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("value");
        QTest::addColumn<bool>("valid");
        QTest::newRow("date full") << u"date"_s << u"1980-05-17"_s << true;
        QTest::newRow("date year-month") << u"date"_s << u"1980-05"_s << true;
        QTest::newRow("date year") << u"date"_s << u"1980"_s << true;
        QTest::newRow("date month 13") << u"date"_s << u"1980-13-01"_s << false;
        QTest::newRow("date slashes") << u"date"_s << u"17/05/1980"_s << false;
        QTest::newRow("date with time") << u"date"_s << u"1980-05-17T10:00:00Z"_s << false;
        QTest::newRow("dateTime with zone")
            << u"dateTime"_s << u"2015-02-07T13:28:17-05:00"_s << true;
        QTest::newRow("dateTime without zone")
            << u"dateTime"_s << u"2015-02-07T13:28:17"_s << false;
        QTest::newRow("instant needs zone") << u"instant"_s << u"2015-02-07T13:28:17"_s << false;
        QTest::newRow("instant") << u"instant"_s << u"2015-02-07T13:28:17.239+02:00"_s << true;
        QTest::newRow("time") << u"time"_s << u"13:28:17"_s << true;
        QTest::newRow("time 25h") << u"time"_s << u"25:00:00"_s << false;
        QTest::newRow("boolean") << u"boolean"_s << u"true"_s << true;
        QTest::newRow("boolean yes") << u"boolean"_s << u"yes"_s << false;
        QTest::newRow("id") << u"id"_s << u"abc-123.x"_s << true;
        QTest::newRow("id underscore") << u"id"_s << u"a_b"_s << false;
        QTest::newRow("id 65 chars") << u"id"_s << QString(65, u'a') << false;
        QTest::newRow("decimal") << u"decimal"_s << u"-1.50e3"_s << true;
        QTest::newRow("decimal comma") << u"decimal"_s << u"1,5"_s << false;
        QTest::newRow("code") << u"code"_s << u"male"_s << true;
        QTest::newRow("code leading space") << u"code"_s << u" male"_s << false;
        QTest::newRow("positiveInt zero") << u"positiveInt"_s << u"0"_s << false;
        QTest::newRow("unsignedInt zero") << u"unsignedInt"_s << u"0"_s << true;
        QTest::newRow("oid") << u"oid"_s << u"urn:oid:1.2.3"_s << true;
        QTest::newRow("uuid") << u"uuid"_s << u"urn:uuid:c757873d-ec9a-4326-a141-556f43239520"_s
                              << true;
        QTest::newRow("xhtml has no regex") << u"xhtml"_s << u"<div>x</div>"_s << true;
    }
    void primitiveRegexes()
    {
        QFETCH(QString, type);
        QFETCH(QString, value);
        QFETCH(bool, valid);
        const auto result = model().checkPrimitive(type, value);
        QVERIFY2(result, qPrintable(result.error()));
        QCOMPARE(*result, valid);
    }

    void patientGender()
    {
        const auto node = model().element(u"Patient.gender"_s);
        QVERIFY2(node, qPrintable(node.error()));
        const ElementDefinition &gender = *node->definition;
        QCOMPARE(gender.min, 0);
        QCOMPARE(gender.max, u"1"_s);
        QCOMPARE(gender.cardinality(), u"0..1"_s);
        QCOMPARE(gender.types.size(), 1);
        QCOMPARE(gender.types.first().code, u"code"_s);
        QVERIFY(gender.isSummary);
        QVERIFY(gender.binding.has_value());
        QCOMPARE(gender.binding->strength, BindingStrength::Required);
        QCOMPARE(gender.binding->valueSet, u"http://hl7.org/fhir/ValueSet/administrative-gender"_s);
        QCOMPARE(gender.binding->valueSetVersion, u"4.0.1"_s);
        QCOMPARE(gender.binding->name, u"AdministrativeGender"_s);

        const auto vs = model().valueSet(gender.binding->valueSet + u"|4.0.1"_s);
        QVERIFY2(vs, qPrintable(vs.error()));
        QVERIFY((*vs)->complete);
        QStringList codes;
        for (const ValueSetCode &c : (*vs)->codes) {
            QCOMPARE(c.system, u"http://hl7.org/fhir/administrative-gender"_s);
            codes.append(c.code);
        }
        QCOMPARE(codes, (QStringList{u"male"_s, u"female"_s, u"other"_s, u"unknown"_s}));
        QVERIFY((*vs)->contains(u"http://hl7.org/fhir/administrative-gender"_s, u"male"_s));
        QVERIFY((*vs)->contains(QString(), u"unknown"_s));
        QVERIFY(!(*vs)->contains(QString(), u"M"_s));
        QCOMPARE((*vs)->codes.first().display, u"Male"_s);
    }

    void valueSetsFromOtherCodeSystems()
    {
        // marital-status: all of v3-MaritalStatus plus UNK from v3-NullFlavor.
        const auto vs = model().valueSet(u"http://hl7.org/fhir/ValueSet/marital-status"_s);
        QVERIFY2(vs, qPrintable(vs.error()));
        QVERIFY((*vs)->complete);
        QVERIFY(
            (*vs)->contains(u"http://terminology.hl7.org/CodeSystem/v3-MaritalStatus"_s, u"M"_s));
        QVERIFY(
            (*vs)->contains(u"http://terminology.hl7.org/CodeSystem/v3-NullFlavor"_s, u"UNK"_s));
        QVERIFY(
            !(*vs)->contains(u"http://terminology.hl7.org/CodeSystem/v3-NullFlavor"_s, u"NI"_s));

        // Observation codes are LOINC: not in the spec's files, and the model says so.
        const auto loinc = model().valueSet(u"http://hl7.org/fhir/ValueSet/observation-codes"_s);
        QVERIFY(loinc);
        QVERIFY(!(*loinc)->complete);
        QVERIFY((*loinc)->note.contains(u"loinc.org"_s));
    }

    void observationValueChoice()
    {
        const auto node = model().element(u"Observation.value[x]"_s);
        QVERIFY2(node, qPrintable(node.error()));
        QStringList types;
        for (const TypeRef &t : node->definition->types)
            types.append(t.code);
        QCOMPARE(types,
                 (QStringList{u"Quantity"_s, u"CodeableConcept"_s, u"string"_s, u"boolean"_s,
                              u"integer"_s, u"Range"_s, u"Ratio"_s, u"SampledData"_s, u"time"_s,
                              u"dateTime"_s, u"Period"_s}));
        QVERIFY(node->definition->isChoice());
        QVERIFY(node->definition->hasInvariants()); // obs-7 refers to it

        // Expanding the choice gives one node per type, named as in JSON.
        QCOMPARE(childNames(u"Observation.value[x]"_s),
                 (QStringList{u"valueQuantity"_s, u"valueCodeableConcept"_s, u"valueString"_s,
                              u"valueBoolean"_s, u"valueInteger"_s, u"valueRange"_s,
                              u"valueRatio"_s, u"valueSampledData"_s, u"valueTime"_s,
                              u"valueDateTime"_s, u"valuePeriod"_s}));

        const auto unit = model().element(u"Observation.valueQuantity.unit"_s);
        QVERIFY2(unit, qPrintable(unit.error()));
        QCOMPARE(unit->definedIn, u"Quantity"_s);
        QCOMPARE(unit->definition->path, u"Quantity.unit"_s);
        const auto chosen = model().element(u"Observation.valueQuantity"_s);
        QVERIFY(chosen);
        QCOMPARE(chosen->choiceType, u"Quantity"_s);
        QVERIFY(chosen->hasChildren);
        const auto primitive = model().element(u"Observation.valueString"_s);
        QVERIFY(primitive);
        QVERIFY(!primitive->hasChildren);
    }

    void observationSubjectTargets()
    {
        const auto node = model().element(u"Observation.subject"_s);
        QVERIFY2(node, qPrintable(node.error()));
        QCOMPARE(node->definition->types.size(), 1);
        QStringList targets = node->definition->types.first().targetTypes();
        targets.sort();
        QCOMPARE(targets, (QStringList{u"Device"_s, u"Group"_s, u"Location"_s, u"Patient"_s}));
        QCOMPARE(node->definition->typeSummary(),
                 u"Reference(Patient | Group | Device | Location)"_s);

        const auto param = model().searchParameter(u"Observation"_s, u"subject"_s);
        QVERIFY2(param, qPrintable(param.error()));
        QCOMPARE((*param)->type, SearchParamType::Reference);
        QCOMPARE((*param)->targets,
                 (QStringList{u"Device"_s, u"Group"_s, u"Location"_s, u"Patient"_s}));
        QVERIFY((*param)->modifiers.contains(u"Patient"_s));
        QVERIFY((*param)->modifiers.contains(u"identifier"_s));
    }

    void flagsAndInvariants()
    {
        const auto active = model().element(u"Patient.active"_s);
        QVERIFY(active);
        QVERIFY(active->definition->isModifier);
        QVERIFY(active->definition->isSummary);
        QVERIFY(!active->definition->modifierReason.isEmpty());
        QVERIFY(!active->definition->hasInvariants()); // ele-1 alone is not shown as "I"

        const auto contact = model().element(u"Patient.contact"_s);
        QVERIFY(contact);
        QVERIFY(contact->definition->hasInvariants());
        const auto pat1 = std::find_if(contact->definition->constraints.cbegin(),
                                       contact->definition->constraints.cend(),
                                       [](const Constraint &c) { return c.key == u"pat-1"_s; });
        QVERIFY(pat1 != contact->definition->constraints.cend());
        QCOMPARE(pat1->severity, u"error"_s);
        QCOMPARE(
            pat1->expression,
            u"name.exists() or telecom.exists() or address.exists() or organization.exists()"_s);
        QVERIFY(pat1->human.contains(u"SHALL at least contain"_s));

        const auto root = model().element(u"Observation"_s);
        QVERIFY(root);
        QVERIFY(root->definition->hasInvariants()); // obs-6, obs-7
        QVERIFY(!root->definition->definition.isEmpty());

        const auto id = model().element(u"Patient.id"_s);
        QVERIFY(id);
        QCOMPARE(id->definition->basePath, u"Resource.id"_s);
        QCOMPARE(id->definition->types.first().systemType, u"String"_s);
    }

    void humanNameExpansion()
    {
        QCOMPARE(childNames(u"Patient.name"_s),
                 (QStringList{u"id"_s, u"extension"_s, u"use"_s, u"text"_s, u"family"_s, u"given"_s,
                              u"prefix"_s, u"suffix"_s, u"period"_s}));
        const auto given = model().element(u"Patient.name.given"_s);
        QVERIFY2(given, qPrintable(given.error()));
        QCOMPARE(given->definedIn, u"HumanName"_s);
        QCOMPARE(given->definition->cardinality(), u"0..*"_s);
        QCOMPARE(given->definition->types.first().code, u"string"_s);

        // Expansion is on demand and goes as deep as asked, never eagerly.
        QCOMPARE(childNames(u"Patient.name.period"_s),
                 (QStringList{u"id"_s, u"extension"_s, u"start"_s, u"end"_s}));
        QVERIFY(childNames(u"Patient.maritalStatus.coding"_s).contains(u"system"_s));
        QVERIFY(childNames(u"Patient.name.family"_s).isEmpty()); // a primitive
    }

    void topLevelChildren()
    {
        const QStringList names = childNames(u"Patient"_s);
        QCOMPARE(names.first(), u"id"_s);
        for (const char *name : {"meta", "text", "contained", "identifier", "active", "name",
                                 "gender", "birthDate", "deceased[x]", "contact", "link"})
            QVERIFY2(names.contains(QLatin1String(name)), name);
        // Backbone elements have their children in the same snapshot.
        QVERIFY(childNames(u"Patient.contact"_s).contains(u"relationship"_s));
        const auto contactName = model().element(u"Patient.contact.name.family"_s);
        QVERIFY2(contactName, qPrintable(contactName.error()));
        QCOMPARE(contactName->definedIn, u"HumanName"_s);
    }

    void contentReference()
    {
        const auto nested = model().element(u"Questionnaire.item.item"_s);
        QVERIFY2(nested, qPrintable(nested.error()));
        QCOMPARE(nested->definition->contentReference, u"#Questionnaire.item"_s);
        QVERIFY(nested->hasChildren);
        const QStringList names = childNames(u"Questionnaire.item.item"_s);
        QVERIFY(names.contains(u"linkId"_s));
        QVERIFY(names.contains(u"item"_s));
        QCOMPARE(names, childNames(u"Questionnaire.item"_s));
        const auto deep = model().element(u"Questionnaire.item.item.item.answerOption.value[x]"_s);
        QVERIFY2(deep, qPrintable(deep.error()));
        QCOMPARE(deep->definition->path, u"Questionnaire.item.answerOption.value[x]"_s);
    }

    void elementsSnapshot()
    {
        const auto elements = model().elements(u"Patient"_s);
        QVERIFY2(elements, qPrintable(elements.error()));
        QCOMPARE((*elements)->first().path, u"Patient"_s);
        QVERIFY((*elements)->size() > 40);
        // Every path of the snapshot resolves through the navigation API.
        for (const ElementDefinition &e : **elements)
            QVERIFY2(model().element(e.path), qPrintable(e.path));
    }

    void patientSearchParameters_data()
    {
        QTest::addColumn<QString>("code");
        QTest::addColumn<SearchParamType>("type");
        QTest::addColumn<QString>("expression");
        QTest::newRow("gender") << u"gender"_s << SearchParamType::Token << u"Patient.gender"_s;
        QTest::newRow("name") << u"name"_s << SearchParamType::String << u"Patient.name"_s;
        QTest::newRow("birthdate")
            << u"birthdate"_s << SearchParamType::Date << u"Patient.birthDate"_s;
        QTest::newRow("identifier")
            << u"identifier"_s << SearchParamType::Token << u"Patient.identifier"_s;
        QTest::newRow("general-practitioner")
            << u"general-practitioner"_s << SearchParamType::Reference
            << u"Patient.generalPractitioner"_s;
        // Inherited from Resource and DomainResource.
        QTest::newRow("_id") << u"_id"_s << SearchParamType::Token << u"Resource.id"_s;
        QTest::newRow("_lastUpdated")
            << u"_lastUpdated"_s << SearchParamType::Date << u"Resource.meta.lastUpdated"_s;
        QTest::newRow("_tag") << u"_tag"_s << SearchParamType::Token << u"Resource.meta.tag"_s;
        QTest::newRow("_profile") << u"_profile"_s << SearchParamType::Uri
                                  << u"Resource.meta.profile"_s;
        QTest::newRow("_security")
            << u"_security"_s << SearchParamType::Token << u"Resource.meta.security"_s;
        QTest::newRow("_source") << u"_source"_s << SearchParamType::Uri
                                 << u"Resource.meta.source"_s;
        QTest::newRow("_text") << u"_text"_s << SearchParamType::String << QString();
        QTest::newRow("_content") << u"_content"_s << SearchParamType::String << QString();
    }
    void patientSearchParameters()
    {
        QFETCH(QString, code);
        QFETCH(SearchParamType, type);
        QFETCH(QString, expression);
        const auto param = model().searchParameter(u"Patient"_s, code);
        QVERIFY2(param, qPrintable(param.error()));
        QCOMPARE((*param)->type, type);
        QCOMPARE((*param)->expressionFor(u"Patient"_s), expression);
        QVERIFY(!(*param)->description.isEmpty());
    }

    void inheritedParametersFollowTheTypeTree()
    {
        // Bundle derives from Resource, not DomainResource: no narrative to search.
        QVERIFY(model().searchParameter(u"Bundle"_s, u"_id"_s));
        QVERIFY(!model().searchParameter(u"Bundle"_s, u"_text"_s));
        const auto all = model().searchParameters(u"Patient"_s);
        QVERIFY(all);
        QVERIFY(std::is_sorted(
            (*all).cbegin(), (*all).cend(),
            [](const SearchParameter *a, const SearchParameter *b) { return a->code < b->code; }));
    }

    void modifiersAndComparators_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QStringList>("someModifiers");
        QTest::addColumn<bool>("hasComparators");
        QTest::newRow("string") << u"Patient"_s << u"name"_s
                                << QStringList{u"exact"_s, u"contains"_s, u"missing"_s} << false;
        QTest::newRow("token") << u"Patient"_s << u"gender"_s
                               << QStringList{u"not"_s, u"text"_s, u"in"_s, u"of-type"_s} << false;
        QTest::newRow("date") << u"Patient"_s << u"birthdate"_s << QStringList{u"missing"_s}
                              << true;
        QTest::newRow("quantity") << u"Observation"_s << u"value-quantity"_s
                                  << QStringList{u"missing"_s} << true;
        QTest::newRow("uri") << u"ValueSet"_s << u"url"_s << QStringList{u"above"_s, u"below"_s}
                             << false;
        QTest::newRow("reference") << u"Patient"_s << u"general-practitioner"_s
                                   << QStringList{u"identifier"_s, u"Practitioner"_s} << false;
    }
    void modifiersAndComparators()
    {
        QFETCH(QString, type);
        QFETCH(QString, code);
        QFETCH(QStringList, someModifiers);
        QFETCH(bool, hasComparators);
        const auto param = model().searchParameter(type, code);
        QVERIFY2(param, qPrintable(param.error()));
        for (const QString &m : someModifiers)
            QVERIFY2((*param)->modifiers.contains(m), qPrintable(m));
        QCOMPARE(!(*param)->comparators.isEmpty(), hasComparators);
        if (hasComparators) {
            QStringList comparators = (*param)->comparators;
            comparators.sort();
            QCOMPARE(comparators,
                     (QStringList{u"ap"_s, u"eb"_s, u"eq"_s, u"ge"_s, u"gt"_s, u"le"_s, u"lt"_s,
                                  u"ne"_s, u"sa"_s}));
        }
    }

    void compositeComponents()
    {
        const auto param = model().searchParameter(u"Observation"_s, u"code-value-quantity"_s);
        QVERIFY2(param, qPrintable(param.error()));
        QCOMPARE((*param)->type, SearchParamType::Composite);
        QCOMPARE((*param)->components.size(), 2);
        QCOMPARE((*param)->components.at(0).code, u"code"_s);
        QCOMPARE((*param)->components.at(0).type, SearchParamType::Token);
        QCOMPARE((*param)->components.at(1).code, u"value-quantity"_s);
        QCOMPARE((*param)->components.at(1).type, SearchParamType::Quantity);
    }

    void chains()
    {
        const auto chain = model().resolveChain(u"Observation"_s, u"subject:Patient.name"_s);
        QVERIFY2(chain, qPrintable(chain.error()));
        QCOMPARE(chain->size(), 2);
        QCOMPARE(chain->at(1)->code, u"name"_s);
        QVERIFY(chain->at(1)->base.contains(u"Patient"_s));

        const auto implicit = model().resolveChain(u"Patient"_s, u"general-practitioner.family"_s);
        QVERIFY2(implicit, qPrintable(implicit.error()));
        QCOMPARE(implicit->last()->code, u"family"_s);

        const auto notReference = model().resolveChain(u"Observation"_s, u"code.name"_s);
        QVERIFY(!notReference);
        QVERIFY(notReference.error().contains(u"only references can be chained"_s));
        const auto wrongTarget
            = model().resolveChain(u"Observation"_s, u"subject:Practitioner.name"_s);
        QVERIFY(!wrongTarget);
    }

    void searchParametersForElements_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QStringList>("codes");
        QTest::newRow("gender") << u"Patient.gender"_s << QStringList{u"gender"_s};
        QTest::newRow("family") << u"Patient.name.family"_s << QStringList{u"family"_s};
        QTest::newRow("id") << u"Patient.id"_s << QStringList{u"_id"_s};
        QTest::newRow("valueQuantity")
            << u"Observation.valueQuantity"_s << QStringList{u"value-quantity"_s};
        QTest::newRow("value[x]") << u"Observation.value[x]"_s
                                  << QStringList{u"value-concept"_s, u"value-date"_s,
                                                 u"value-quantity"_s, u"value-string"_s};
    }
    void searchParametersForElements()
    {
        QFETCH(QString, path);
        QFETCH(QStringList, codes);
        QStringList found;
        for (const SearchParameter *p : model().searchParametersFor(path))
            found.append(p->code);
        for (const QString &code : codes)
            QVERIFY2(found.contains(code), qPrintable(found.join(u',')));
    }

    void patientCompartment()
    {
        QCOMPARE(model().patientCompartmentParams(u"Observation"_s),
                 (QStringList{u"subject"_s, u"performer"_s}));
        QCOMPARE(model().patientCompartmentParams(u"Patient"_s), QStringList{u"link"_s});
        QVERIFY(model().patientCompartmentParams(u"Organization"_s).isEmpty());
        QVERIFY(model().patientCompartmentTypes().contains(u"Encounter"_s));
        QVERIFY(!model().patientCompartmentTypes().contains(u"Organization"_s));
        // Every compartment parameter is a real search parameter of its type.
        for (const QString &type : model().patientCompartmentTypes()) {
            for (const QString &code : model().patientCompartmentParams(type))
                QVERIFY2(model().searchParameter(type, code), qPrintable(type + u'.' + code));
        }
    }

    void badInput_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown type") << u"Patientt.name"_s << u"unknown type \"Patientt\""_s;
        QTest::newRow("unknown element") << u"Patient.nope"_s << u"has no element \"nope\""_s;
        QTest::newRow("unknown in data type")
            << u"Patient.name.nope"_s << u"(HumanName) has no element \"nope\""_s;
        QTest::newRow("empty segment") << u"Patient..name"_s << u"empty segment"_s;
        QTest::newRow("empty path") << QString() << u"unknown type"_s;
        QTest::newRow("bad choice type") << u"Observation.valueFoo"_s << u"has no element"_s;
        QTest::newRow("below a primitive") << u"Patient.gender.coding"_s << u"has no element"_s;
    }
    void badInput()
    {
        QFETCH(QString, path);
        QFETCH(QString, message);
        const auto node = model().element(path);
        QVERIFY(!node);
        QVERIFY2(node.error().contains(message), qPrintable(node.error()));
        QVERIFY(!model().children(path));
    }

    void badLookups()
    {
        QVERIFY(!model().type(u"Nope"_s));
        QVERIFY(model().type(u"Nope"_s).error().contains(u"Nope"_s));
        QVERIFY(!model().elements(u"Nope"_s));
        QVERIFY(!model().searchParameters(u"HumanName"_s));
        QVERIFY(!model().searchParameter(u"Patient"_s, u"nope"_s));
        QVERIFY(!model().valueSet(u"http://example.org/nope"_s));
        QVERIFY(!model().checkPrimitive(u"HumanName"_s, u"x"_s));
        QVERIFY(!model().resolveChain(u"Nope"_s, u"a.b"_s));
        QVERIFY(model().searchParametersFor(u"Nope.x"_s).isEmpty());
    }

    void badModelFiles()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const auto missing = Model::load(dir.filePath(u"missing.model"_s));
        QVERIFY(!missing);
        QVERIFY(missing.error().contains(u"cannot open"_s));

        QFile junk(dir.filePath(u"junk.model"_s));
        QVERIFY(junk.open(QIODevice::WriteOnly));
        junk.write("not a model at all");
        junk.close();
        const auto notModel = Model::load(junk.fileName());
        QVERIFY(!notModel);
        QVERIFY2(notModel.error().contains(u"not a FHIR Portal model"_s),
                 qPrintable(notModel.error()));

        QFile truncated(dir.filePath(u"truncated.model"_s));
        QVERIFY(truncated.open(QIODevice::WriteOnly));
        truncated.write("FHIRMDL1\xff\xff\x00\x00", 12);
        truncated.write("abc");
        truncated.close();
        const auto cut = Model::load(truncated.fileName());
        QVERIFY(!cut);
        QVERIFY2(cut.error().contains(u"truncated"_s), qPrintable(cut.error()));

        QFile garbage(dir.filePath(u"garbage.model"_s));
        QVERIFY(garbage.open(QIODevice::WriteOnly));
        garbage.write("FHIRMDL1\x04\x00\x00\x00\xff\xff\xff\xff", 16);
        garbage.close();
        const auto damaged = Model::load(garbage.fileName());
        QVERIFY(!damaged);
        QVERIFY2(damaged.error().contains(u"damaged"_s), qPrintable(damaged.error()));

        // Valid CBOR, wrong shape: a type without its blob reference.
        QFile wrongShape(dir.filePath(u"shape.model"_s));
        QVERIFY(wrongShape.open(QIODevice::WriteOnly));
        wrongShape.write("FHIRMDL1\x10\x00\x00\x00", 12);
        wrongShape.write("\xa1\x65types\x81\xa1\x64name\x61X", 16);
        wrongShape.close();
        const auto shape = Model::load(wrongShape.fileName());
        QVERIFY(!shape);
        QVERIFY2(shape.error().contains(u"damaged"_s), qPrintable(shape.error()));
    }
};

QTEST_GUILESS_MAIN(TestModel)
#include "tst_model.moc"
