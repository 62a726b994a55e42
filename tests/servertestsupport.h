#pragma once

// Small helpers for tests of the embedded server: files to import, resources, counts.

#include "embedded_server/fhirserver.h"

#include <QFile>
#include <QTest>

#include <nlohmann/json.hpp>

/// Writes `content` to `path` and returns the path; aborts the test run when it cannot.
inline QString writeTestFile(const QString &path, const QByteArray &content)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

/// A Patient as compact JSON; "robot" is a gender the R4 model refuses.
inline QByteArray testPatient(const char *id, const char *gender = "female")
{
    nlohmann::json patient = {{"resourceType", "Patient"}, {"gender", gender}};
    if (*id)
        patient["id"] = id;
    return QByteArray::fromStdString(patient.dump());
}

/// Bundle.total of a search or history below the base ("/Patient", "/_history"), -1 when
/// the answer is not a Bundle.
inline qint64 searchTotal(fhir::server::FhirServer &server, const QString &target)
{
    fhir::server::Request request{"GET",
                                  fhir::server::FhirServer::basePath() + target,
                                  {{QStringLiteral("_count"), QStringLiteral("0")}},
                                  {},
                                  {}};
    const auto bundle
        = nlohmann::json::parse(server.handle(request).body.toStdString(), nullptr, false);
    return bundle.is_object() ? bundle.value("total", qint64(-1)) : -1;
}

/// searchTotal() on a server of the test's own over `folder` (no API key needed).
inline qint64 searchTotal(std::shared_ptr<const fhir::schema::Model> model, const QString &folder,
                          const QString &target)
{
    fhir::server::ServerOptions options;
    options.requireApiKey = false;
    auto server = fhir::server::FhirServer::open(std::move(model), folder, options);
    return server ? searchTotal(**server, target) : -1;
}
