#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>
#include <QUrl>

#include <functional>

class QNetworkAccessManager;

namespace fhir::app {

/// What a remote server's [base]/metadata said about it.
struct ProbeResult
{
    enum class Outcome {
        Ok, ///< an R4 (4.0.x) CapabilityStatement
        Unreachable, ///< no connection: refused, unknown host, timeout
        TlsError, ///< the TLS handshake or the certificate failed; never ignored
        Unauthorized, ///< 401: the server wants credentials (see `message`)
        HttpError, ///< another non-2xx status
        NotFhir, ///< an answer, but not a CapabilityStatement
        OtherFhirVersion, ///< a CapabilityStatement (or DSTU2 Conformance) of another version
    };

    Outcome outcome = Outcome::Unreachable;
    int httpStatus = 0;
    QString fhirVersion; ///< as declared, e.g. "4.0.1"; empty when none
    QString software; ///< CapabilityStatement.software.name (and version)
    QString message; ///< one or two sentences for the user

    bool ok() const { return outcome == Outcome::Ok; }
};

/// Checks that a base URL is a FHIR R4 server: GET [base]/metadata (FHIR R4 §3.1.0.12,
/// "capabilities"), and says clearly what went wrong when it is not.
///
///     probe.probe(url, headers, this, [this](const ProbeResult &r) { show(r.message); });
class RemoteProbe : public QObject
{
    Q_OBJECT

public:
    using Callback = std::function<void(const ProbeResult &)>;

    /// `network` null: the probe makes its own.
    explicit RemoteProbe(QNetworkAccessManager *network = nullptr, QObject *parent = nullptr);
    ~RemoteProbe() override;

    /// Gives up on a server that sends nothing for this long (default 15 s).
    void setTimeout(int milliseconds) { m_timeoutMs = milliseconds; }

    /// `headers` are sent as given (credentials included; they are never logged). `done` runs
    /// once, on `context`'s thread, and not at all once `context` is gone.
    void probe(const QUrl &baseUrl, const QList<QPair<QByteArray, QByteArray>> &headers,
               QObject *context, Callback done);

    /// The reading of a /metadata answer, separate for tests.
    static ProbeResult interpret(int httpStatus, const QByteArray &body,
                                 const QByteArray &wwwAuthenticate);

private:
    QNetworkAccessManager *m_network;
    int m_timeoutMs = 15000;
};

} // namespace fhir::app
