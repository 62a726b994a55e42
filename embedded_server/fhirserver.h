#pragma once

#include "auth/externalprovider.h"
#include "request.h"
#include "store.h"

#include "schemas/model.h"
#include "schemas/result.h"

#include <QString>

#include <functional>
#include <memory>

namespace fhir::server {

class AuthorizationServer;

struct ServerOptions
{
    /// Absolute base URL used in Location headers, Bundle fullUrls and paging links. The HTTP
    /// listener sets it to http://127.0.0.1:PORT/fhir/r4 once it knows its port.
    QString baseUrl = QStringLiteral("http://127.0.0.1/fhir/r4");
    qint64 maxBodyBytes = 16 * 1024 * 1024; ///< larger request bodies get 413
    int defaultCount = 20; ///< page size of searches and histories without _count
    int maxCount = 1000; ///< a larger _count gets 400
    int maxJsonDepth = 100; ///< deeper nesting in a request body gets 400
    int maxBundleEntries = 10000; ///< a batch or transaction with more entries gets 413
    /// Every request but GET metadata needs a valid x-api-key (auth/apikeygate.h); false only
    /// when the server's owner explicitly chose to run without auth.
    bool requireApiKey = true;
    /// The integrated OAuth 2.0 / SMART authorization server (auth/authorizationserver.h):
    /// its endpoints under the base, and bearer tokens it issued, their scopes enforced.
    bool oauth = false;
    /// An external OpenID provider whose JWT access tokens are taken too (or instead), with
    /// the same enforcement.
    std::optional<ExternalProviderSettings> externalProvider;
};

/// The embedded FHIR R4 server, free of any transport: a Request in, a Response out. The HTTP
/// listener is a thin adapter over it, and tests call it directly.
///
/// Serves paths under `/fhir/r4`, behind an API-key check unless the options turn it off:
/// capabilities (GET metadata), read, vread (both with _summary and _elements), create, update
/// (with create-on-update and If-Match), patch (JSON Patch and FHIRPath Patch, with If-Match),
/// delete (logical), conditional create, update and delete, history at instance, type and
/// system level, search over the index (see search/searchengine.h), `$validate` at type and
/// instance level, Patient/[id]/$everything, and batch and transaction (all or nothing, with
/// `urn:uuid:` and conditional references resolved). Requests are authenticated by an API
/// key, a bearer token, or both, as the options say (auth/authgate.h), and a token's SMART
/// scopes confine every interaction (auth/accesspolicy.h). Every write updates the search index in
/// its own transaction (search/indexer.h). Every client error is an OperationOutcome with its
/// status (see servererror.h). Not thread-safe: one FhirServer per thread.
///
///     auto server = FhirServer::open(model, dataFolder);
///     if (!server) return fail(server.error());
///     Response r = (*server)->handle({"GET", u"/fhir/r4/metadata"_s, {}, {}, {}});
class FhirServer
{
public:
    static QString basePath() { return QStringLiteral("/fhir/r4"); }

    /// Opens (or creates) the store in `dataFolder` and makes a server over it.
    static Result<std::unique_ptr<FhirServer>> open(std::shared_ptr<const schema::Model> model,
                                                    const QString &dataFolder,
                                                    ServerOptions options = {});
    FhirServer(std::shared_ptr<const schema::Model> model, std::unique_ptr<Store> store,
               ServerOptions options = {});
    ~FhirServer();
    FhirServer(const FhirServer &) = delete;
    FhirServer &operator=(const FhirServer &) = delete;

    /// Answers one request. Never throws; a failure of the server itself is a 500 with an
    /// OperationOutcome.
    Response handle(const Request &request);

    const ServerOptions &options() const;
    void setBaseUrl(const QString &baseUrl);
    Store &store();
    /// The integrated authorization server (its users, clients and keys), or null when the
    /// options leave OAuth off.
    AuthorizationServer *authorizationServer();

    /// The clock stamping meta.lastUpdated, in milliseconds since the epoch (UTC). Tests set
    /// it to get known times; the default is the system clock.
    void setClock(std::function<qint64()> clock);

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace fhir::server
