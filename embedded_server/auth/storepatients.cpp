#include "storepatients.h"

#include "embedded_server/search/searchengine.h"
#include "embedded_server/serverlogging.h"
#include "embedded_server/store.h"

#include <nlohmann/json.hpp>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

/// "Peter James Chalmers": the first name of the Patient, as a person reads it.
QString displayName(const nlohmann::json &patient)
{
    const auto names = patient.find("name");
    if (names == patient.end() || !names->is_array() || names->empty()
        || !names->front().is_object())
        return {};
    const nlohmann::json &name = names->front();
    if (const auto text = name.find("text"); text != name.end() && text->is_string())
        return QString::fromStdString(text->get<std::string>());
    QStringList parts;
    if (const auto given = name.find("given"); given != name.end() && given->is_array()) {
        for (const auto &g : *given) {
            if (g.is_string())
                parts.append(QString::fromStdString(g.get<std::string>()));
        }
    }
    if (const auto family = name.find("family"); family != name.end() && family->is_string())
        parts.append(QString::fromStdString(family->get<std::string>()));
    return parts.join(u' ');
}

pages::PatientChoice choiceOf(const StoredVersion &v)
{
    const auto patient = nlohmann::json::parse(v.content.toStdString(), nullptr, false);
    pages::PatientChoice choice;
    choice.id = v.id;
    if (patient.is_object()) {
        choice.name = displayName(patient);
        choice.birthDate = QString::fromStdString(patient.value("birthDate", std::string()));
        choice.gender = QString::fromStdString(patient.value("gender", std::string()));
    }
    return choice;
}

} // namespace

StorePatients::StorePatients(Store &store, search::SearchEngine &engine)
    : m_store(store)
    , m_engine(engine)
{
}

QList<pages::PatientChoice> StorePatients::find(const QString &name, int limit)
{
    search::QueryItems params;
    if (!name.trimmed().isEmpty())
        params.append({u"name"_s, name.trimmed()});
    auto criteria = m_engine.criteria(u"Patient"_s, params, false, QString(), 0);
    if (!criteria)
        return {};
    auto found = m_engine.matches(*criteria, limit);
    if (!found) {
        qCWarning(lcServer).noquote() << "patient picker:" << found.error();
        return {};
    }
    QList<pages::PatientChoice> choices;
    for (const StoredVersion &v : *found)
        choices.append(choiceOf(v));
    std::sort(choices.begin(), choices.end(),
              [](const auto &a, const auto &b) { return a.name.localeAwareCompare(b.name) < 0; });
    return choices;
}

std::optional<pages::PatientChoice> StorePatients::patient(const QString &id)
{
    auto current = m_store.current(u"Patient"_s, id);
    if (!current || !current->has_value() || (*current)->deleted)
        return std::nullopt;
    return choiceOf(**current);
}

} // namespace fhir::server
