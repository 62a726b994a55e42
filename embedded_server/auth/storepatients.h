#pragma once

#include "authorizationserver.h"

namespace fhir::server {

namespace search {
class SearchEngine;
}

/// The patient picker's directory: the FHIR server's own current Patients, found with the
/// `name` search parameter.
class StorePatients : public PatientDirectory
{
public:
    StorePatients(Store &store, search::SearchEngine &engine);

    QList<pages::PatientChoice> find(const QString &name, int limit) override;
    std::optional<pages::PatientChoice> patient(const QString &id) override;

private:
    Store &m_store; // not owned
    search::SearchEngine &m_engine; // not owned
};

} // namespace fhir::server
