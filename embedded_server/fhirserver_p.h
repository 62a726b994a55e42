#pragma once

//
//  W A R N I N G
//  -------------
//
// This file is not part of the server's API: it is what fhirserver.cpp and the files of
// interactions/ share, and it may change from one commit to the next.
//

#include "fhirserver.h"

#include "auth/accesspolicy.h"
#include "auth/apikeygate.h"
#include "auth/apikeys.h"
#include "auth/authgate.h"
#include "auth/authorizationserver.h"
#include "auth/storepatients.h"
#include "operationoutcome.h"
#include "search/indexer.h"
#include "search/searchengine.h"
#include "search/subsetting.h"
#include "servererror.h"

#include "schemas/validator.h"

#include <QByteArrayView>
#include <QDateTime>
#include <QSet>

#include <nlohmann/json.hpp>

#include <optional>

namespace fhir::server {

using Json = nlohmann::ordered_json;

inline constexpr QByteArrayView fhirJson = "application/fhir+json";
inline constexpr QByteArrayView plainJson = "application/json";
inline constexpr QByteArrayView jsonPatchType = "application/json-patch+json";

/// An error for the caller to return, or nothing when all went well.
using Failure = std::optional<ServerError>;

// Helpers of more than one file, defined in fhirserver.cpp.
ServerError makeError(ErrorKind kind, const QString &diagnostics, QStringList expression = {});
ServerError methodNotAllowed(const QByteArray &method, const QString &what, QByteArray allow);
bool isValidId(const QString &id);
QString instant(qint64 ms);
QByteArray httpDate(qint64 ms);
QByteArray etag(qint64 version);
/// The media type of a Content-Type or Accept item, lower case, without parameters.
QByteArray mediaType(const QByteArray &value);
bool isJsonType(const QByteArray &type);
/// The segments of a path below the FHIR base: "/fhir/r4/Patient/1" gives {Patient, 1}.
Failure splitPath(const QString &path, QStringList *segments);
Json toJson(const nlohmann::json &value);
QList<Issue> issuesOf(const QList<schema::ValidationIssue> &problems);

enum class ReturnPreference { Representation, Minimal, OperationOutcome };

/// Prefer: handling (search.html#errors): without it, unknown search parameters are ignored.
enum class Handling { Default, Lenient, Strict };

struct Preferences
{
    ReturnPreference ret = ReturnPreference::Representation;
    Handling handling = Handling::Default;
};

struct FhirServer::Private
{
    std::shared_ptr<const schema::Model> model;
    std::unique_ptr<schema::Validator> validator; // checks every resource written
    std::unique_ptr<Store> store;
    std::unique_ptr<ApiKeyStore> apiKeys; // over `store`
    std::unique_ptr<ApiKeyGate> gate;
    std::unique_ptr<search::Indexer> indexer; // keeps the index tables in step with writes
    std::unique_ptr<search::SearchEngine> engine;
    std::unique_ptr<search::Subsetter> subsetter; // _summary and _elements
    std::unique_ptr<StorePatients> patients; // the authorization server's patient picker
    std::unique_ptr<AuthorizationServer> authorization; // when options.oauth
    std::unique_ptr<ExternalProvider> external; // when options.externalProvider
    std::unique_ptr<AuthGate> authGate;
    std::unique_ptr<AccessPolicy> policy;
    /// Who asks, for the request being answered (batch entries included).
    Principal principal;
    ServerOptions options;
    QSet<QString> resourceTypes;
    std::function<qint64()> clock = [] {
        return QDateTime::currentMSecsSinceEpoch();
    };
    QByteArray capabilities; // compact JSON, built on first use for the current base URL

    /// Per-request state.
    struct Context
    {
        const Request &request;
        QByteArray contentType; ///< negotiated: application/fhir+json or application/json
        Preferences prefs;
        QString assignedId; ///< a transaction's POST entry: the id chosen up front
        /// A batch or transaction entry's resource, parsed with its Bundle: create and update
        /// take it from here instead of parsing a body again.
        Json *entryResource = nullptr;
    };

    // fhirserver.cpp
    Response dispatch(const Request &request);
    Response route(Context &ctx, const QStringList &segments);

    Failure negotiate(Context &ctx) const;
    Failure checkBody(const Request &request) const;
    /// Whether parseResource() also validates the content against the model. A batch or
    /// transaction Bundle is not: each entry is validated when it is written.
    enum class Content { Validate, ShapeOnly };
    Failure parseResource(const Request &request, const QString &type, Json &resource,
                          Content content = Content::Validate) const;
    /// The resource a create or update writes (the entry's, or the request body), checked and
    /// validated; `plain` is the same resource as the validator and the indexer read it.
    Failure parseResource(const Context &ctx, const QString &type, Json &resource,
                          nlohmann::json &plain) const;
    /// resourceType, id and meta of a parsed body.
    Failure checkResource(const Json &resource, const QString &type) const;
    Failure validate(const nlohmann::json &resource, const QString &type) const;
    /// The body as JSON, within the depth limit; the Content-Type is the caller's to check.
    Failure parseJson(const Request &request, nlohmann::json &out) const;

    Response json(const Context &ctx, int status, const Json &body) const;
    Response json(const Context &ctx, int status, const QByteArray &body) const;
    Response outcome(const Context &ctx, int status, const QString &message) const;
    /// The answer to a write: headers from the stored version, body per Prefer: return.
    Response written(const Context &ctx, int status, const StoredVersion &version,
                     const QString &message) const;
    static Response internal(const QString &what);

    /// The resource as stored (compact JSON): resourceType, id and meta first, the rest in the
    /// client's order. `plain` (the same resource, as the indexer reads it) gets the same id
    /// and meta, so the indexer never parses what was just serialised.
    QByteArray stamp(const Json &resource, nlohmann::json &plain, const QString &id, qint64 version,
                     qint64 ms) const;
    QString location(const StoredVersion &v) const;

    /// What the request's principal may `permission` on `type` (every type when empty) in
    /// `reach`, or the 403 when no scope allows it. `what` names the interaction.
    Failure permitted(const QString &type, Permission permission, SqlCondition *reach,
                      const QString &what = {});
    /// Whether the current type/id is within `reach`.
    Result<bool> within(const SqlCondition &reach, const QString &type, const QString &id);
    /// 404 that does not tell "unknown" from "outside what this token may see".
    static ServerError outOfReach(const QString &type, const QString &id);
    /// Chained parameters and _has look into other resources: only for a principal that may
    /// search every resource (auth/accesspolicy.h), else 403.
    Failure checkJoins(const QList<QPair<QString, QString>> &params) const;

    // interactions/capabilitystatement.cpp
    Response capabilityStatement(const Context &ctx);

    // interactions/instanceinteractions.cpp
    /// A resource as read or vread answer it: trimmed by _summary or _elements when asked.
    Response shaped(const Context &ctx, const QByteArray &content);
    Response read(const Context &ctx, const QString &type, const QString &id);
    Response vread(const Context &ctx, const QString &type, const QString &id, const QString &vid);
    Response create(const Context &ctx, const QString &type);
    Response update(const Context &ctx, const QString &type, const QString &id,
                    bool idFromCriteria = false);
    /// PUT and DELETE on [type]?criteria (http.html#cond-update, #cdelete).
    Response conditionalUpdate(const Context &ctx, const QString &type);
    Response conditionalDelete(const Context &ctx, const QString &type);
    /// The query items of conditional criteria written as a URL: "identifier=x|1",
    /// "?identifier=x|1" or "Patient?identifier=x|1".
    static QList<QPair<QString, QString>> criteriaOf(const QByteArray &text);
    /// The current resources matching conditional criteria: at most two, enough to tell one
    /// from many. Unknown parameters and empty criteria are errors here: ignoring them would
    /// match what the client did not mean.
    Failure conditionalMatches(const QString &type, const QList<QPair<QString, QString>> &query,
                               const QString &what, QList<StoredVersion> *found);
    /// After a write of type/id in an open transaction: 403 when the resource as written is
    /// outside `reach` (the caller leaves the transaction uncommitted).
    Failure writtenWithin(const SqlCondition &reach, const QString &type, const QString &id);
    Response remove(const Context &ctx, const QString &type, const QString &id);
    /// The start of a write the client may condition on If-Match (http.html#concurrency): the
    /// version the header names (0 for none; a malformed one is a 400) and, inside `tx`, the
    /// current version of type/id. The caller decides when a stale If-Match is a 412.
    Failure beginWrite(const Request &request, const Store::Transaction &tx, const QString &type,
                       const QString &id, qint64 *expected, std::optional<StoredVersion> *previous);
    Response patch(const Context &ctx, const QString &type, const QString &id);
    Response validateOperation(const Context &ctx, const QString &type, const QString &id);

    // interactions/searchinteractions.cpp
    Response history(const Context &ctx, const QString &type, const QString &id);
    Response search(const Context &ctx, const QString &type, bool post);
    /// _include and _revinclude bring only what the principal may read.
    void confineIncludes(Result<search::ResultOptions> &result);
    /// GET [base]?_type=..., POST [base]/_search (search.html, "Searching Multiple Resource
    /// Types"): every type when there is no _type.
    Response systemSearch(const Context &ctx, bool post);
    /// One page of a search as a searchset Bundle; `path` is the searched type's, or empty.
    Response searchPage(const Context &ctx, Result<search::Criteria> criteria,
                        Result<search::ResultOptions> result, const QString &path);
    /// The parameters of a search: the query, and for POST _search the form body too.
    Result<QList<QPair<QString, QString>>> searchParams(const Context &ctx, bool post) const;
    /// Patient/[id]/$everything: the patient and its compartment, paged; Patient/$everything
    /// (an empty id): every patient and their compartments.
    Response everything(const Context &ctx, const QString &id);

    Failure pageParameters(const QList<QPair<QString, QString>> &params, qint64 *count,
                           qint64 *offset) const;
    /// self, next, previous, first and last (when the total is known).
    Json links(const QString &path, const QList<QPair<QString, QString>> &kept, qint64 count,
               qint64 offset, std::optional<qint64> total, bool more) const;
    Json searchBundle(const QString &path, const QList<QPair<QString, QString>> &kept,
                      const search::ResultOptions &result, const search::SearchPage &page);

    // interactions/bundleinteractions.cpp
    Response bundle(const Context &ctx);
    /// The batch-response or transaction-response Bundle of the entries' results.
    QByteArray responseBundle(bool transaction, const QList<Response> &results) const;
};

} // namespace fhir::server
