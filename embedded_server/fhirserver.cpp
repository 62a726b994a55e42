#include "fhirserver.h"

#include "auth/apikeygate.h"
#include "auth/apikeys.h"
#include "operationoutcome.h"
#include "orderedjsonreader.h"
#include "patch/fhirpathpatch.h"
#include "patch/jsonpatch.h"
#include "search/indexer.h"
#include "search/searchengine.h"
#include "search/searchvalues.h"
#include "search/subsetting.h"
#include "servererror.h"
#include "serverlogging.h"
#include "validateoperation.h"

#include "schemas/fhirpath/fhirpath.h"
#include "schemas/validator.h"

#include <QDateTime>
#include <QLocale>
#include <QRegularExpression>
#include <QSet>
#include <QTimeZone>
#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

#include <nlohmann/json.hpp>

#include <numeric>
#include <optional>

using namespace Qt::StringLiterals;
using Json = nlohmann::ordered_json;

namespace fhir::server {

namespace {

constexpr QByteArrayView fhirJson = "application/fhir+json";
constexpr QByteArrayView plainJson = "application/json";
constexpr QByteArrayView jsonPatchType = "application/json-patch+json";

/// An error for the caller to return, or nothing when all went well.
using Failure = std::optional<ServerError>;

ServerError makeError(ErrorKind kind, const QString &diagnostics, QStringList expression = {})
{
    return ServerError{kind, diagnostics, std::move(expression), {}, {}};
}

// If-Match (http.html#concurrency): `expected` is the version the client named, 0 for none.
Failure ifMatchFails(qint64 expected, const std::optional<StoredVersion> &previous,
                     const QString &type, const QString &id)
{
    if (expected <= 0 || (previous && previous->version == expected))
        return {};
    return makeError(
        ErrorKind::PreconditionFailed,
        previous
            ? u"If-Match asks for version %1 but the current version of %2/%3 is %4"_s.arg(expected)
                  .arg(type, id)
                  .arg(previous->version)
            : u"If-Match asks for version %1 but %2/%3 does not exist"_s.arg(expected).arg(type,
                                                                                           id));
}

ServerError methodNotAllowed(const QByteArray &method, const QString &what, QByteArray allow)
{
    ServerError error
        = makeError(ErrorKind::MethodNotAllowed,
                    u"%1 is not allowed on %2"_s.arg(QString::fromLatin1(method), what));
    error.headers.append({"Allow", std::move(allow)});
    return error;
}

bool isValidId(const QString &id)
{
    static const QRegularExpression pattern(u"^[A-Za-z0-9\\-\\.]{1,64}$"_s);
    return pattern.match(id).hasMatch();
}

QString instant(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QByteArray httpDate(qint64 ms)
{
    return QLocale::c()
               .toString(QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC),
                         u"ddd, dd MMM yyyy hh:mm:ss"_s)
               .toLatin1()
        + " GMT";
}

/// The instant of an HTTP date as httpDate() writes it ("Sun, 29 Nov 2026 15:25:41 GMT"), in
/// ISO 8601 ("2026-11-29T15:25:41Z"); rearranged, not parsed: a transaction answers one per
/// entry.
std::string isoFromHttpDate(const QByteArray &date)
{
    static const QByteArrayList months
        = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const qsizetype month = date.size() == 29 ? months.indexOf(date.mid(8, 3)) : -1;
    if (month < 0 || !date.endsWith(" GMT")) {
        QDateTime when = QLocale::c().toDateTime(QString::fromLatin1(date.chopped(4)),
                                                 u"ddd, dd MMM yyyy hh:mm:ss"_s);
        when.setTimeSpec(Qt::UTC);
        return when.toString(Qt::ISODate).toStdString();
    }
    const char monthText[] = {char('0' + (month + 1) / 10), char('0' + (month + 1) % 10), 0};
    return date.mid(12, 4).toStdString() + '-' + monthText + '-' + date.mid(5, 2).toStdString()
        + 'T' + date.mid(17, 8).toStdString() + 'Z';
}

QByteArray etag(qint64 version)
{
    return "W/\"" + QByteArray::number(version) + '"';
}

/// The media type of a Content-Type or Accept item, lower case, without parameters.
QByteArray mediaType(const QByteArray &value)
{
    const qsizetype semicolon = value.indexOf(';');
    return (semicolon < 0 ? value : value.left(semicolon)).trimmed().toLower();
}

bool isJsonType(const QByteArray &type)
{
    return type == fhirJson || type == plainJson || type == "application/json+fhir";
}

bool isXmlType(const QByteArray &type)
{
    return type == "application/fhir+xml" || type == "application/xml" || type == "text/xml"
        || type == "application/xml+fhir" || type == "xml";
}

/// Percent-encodes a query for links, '+' included (clients read a bare '+' as a space).
QString encodeQuery(const QList<QPair<QString, QString>> &items)
{
    QByteArray out;
    for (const auto &[key, value] : items) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(key) + '=' + QUrl::toPercentEncoding(value);
    }
    return QString::fromLatin1(out);
}

/// The deepest nesting of objects and arrays in a JSON text, counted without parsing it (a
/// deeply nested body must not reach the parser or the recursive serializer).
bool nestingWithin(const QByteArray &text, int limit)
{
    int depth = 0;
    bool inString = false;
    bool escaped = false;
    for (const char c : text) {
        if (inString) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                inString = false;
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            if (++depth > limit)
                return false;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return true;
}

/// The segments of a path below the FHIR base: "/fhir/r4/Patient/1" gives {Patient, 1}.
Failure splitPath(const QString &path, QStringList *segments)
{
    const QString base = QStringLiteral("/fhir/r4");
    QString rest;
    if (path == base || path == base + u'/')
        rest.clear();
    else if (path.startsWith(base + u'/'))
        rest = path.mid(base.size() + 1);
    else
        return makeError(ErrorKind::NotFound,
                         u"the FHIR endpoint is %1; nothing is served at this path"_s.arg(base));
    if (rest.endsWith(u'/'))
        rest.chop(1);
    *segments = rest.isEmpty() ? QStringList() : rest.split(u'/');
    if (segments->contains(QString()))
        return makeError(ErrorKind::NotFound, u"the path has an empty segment"_s);
    return {};
}

/// Replaces `urn:uuid:` references by the ids a transaction assigned, and conditional
/// references ("Patient?identifier=x|1") by what `conditional` resolves them to, anywhere in a
/// resource. Stops at the first failure.
Failure rewriteReferences(Json &value, const QHash<QString, QString> &ids,
                          const std::function<Failure(const QString &, QString *)> &conditional)
{
    if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
            if (it.key() == "reference" && it.value().is_string()) {
                const QString ref = QString::fromStdString(it.value().get<std::string>());
                if (ref.startsWith(u"urn:uuid:"_s) || ref.startsWith(u"urn:oid:"_s)) {
                    const auto found = ids.constFind(ref);
                    if (found == ids.cend())
                        return makeError(ErrorKind::Invalid,
                                         u"%1 is not the fullUrl of any entry"_s.arg(ref));
                    it.value() = found->toStdString();
                } else if (ref.contains(u'?')) {
                    QString resolved;
                    if (auto failure = conditional(ref, &resolved))
                        return failure;
                    it.value() = resolved.toStdString();
                }
            } else if (auto failure = rewriteReferences(it.value(), ids, conditional)) {
                return failure;
            }
        }
    } else if (value.is_array()) {
        for (Json &item : value) {
            if (auto failure = rewriteReferences(item, ids, conditional))
                return failure;
        }
    }
    return {};
}

enum class ReturnPreference { Representation, Minimal, OperationOutcome };

/// Prefer: handling (search.html#errors): without it, unknown search parameters are ignored.
enum class Handling { Default, Lenient, Strict };

struct Preferences
{
    ReturnPreference ret = ReturnPreference::Representation;
    Handling handling = Handling::Default;
};

Preferences preferences(const Request &request)
{
    Preferences prefs;
    const QList<QByteArray> tokens = request.header("Prefer").split(',');
    for (QByteArray token : tokens) {
        for (QByteArray part : token.split(';')) {
            part = part.trimmed();
            if (part == "return=minimal")
                prefs.ret = ReturnPreference::Minimal;
            else if (part == "return=representation")
                prefs.ret = ReturnPreference::Representation;
            else if (part == "return=OperationOutcome")
                prefs.ret = ReturnPreference::OperationOutcome;
            else if (part == "handling=lenient")
                prefs.handling = Handling::Lenient;
            else if (part == "handling=strict")
                prefs.handling = Handling::Strict;
        }
    }
    return prefs;
}

Json toJson(const nlohmann::json &value)
{
    return Json::parse(value.dump());
}

QList<Issue> issuesOf(const QList<schema::ValidationIssue> &problems)
{
    QList<Issue> issues;
    for (const schema::ValidationIssue &p : problems) {
        issues.append({p.severity == schema::ValidationIssue::Severity::Warning
                           ? IssueSeverity::Warning
                           : IssueSeverity::Error,
                       p.code,
                       p.message,
                       {p.expression}});
    }
    return issues;
}

/// A batch or transaction PATCH entry (http.html#transaction) carries a Binary with a JSON
/// Patch, whose body and Content-Type this sets, or a Parameters with a FHIRPath Patch, sent
/// like any other entry resource (after its urn:uuid references are resolved). Returns why
/// the entry cannot be a patch, or nothing.
std::optional<QString> patchEntry(const Json &resource, QByteArray *contentType, QByteArray *body)
{
    const std::string type = resource.value("resourceType", std::string());
    if (type == "Parameters")
        return std::nullopt;
    if (type != "Binary")
        return u"a PATCH entry carries a Binary (JSON Patch) or a Parameters (FHIRPath Patch)"_s;
    const std::string binaryType = resource.value("contentType", std::string());
    if (QByteArray::fromStdString(binaryType).toLower() != jsonPatchType)
        return u"the Binary of a PATCH entry must have contentType application/json-patch+json"_s;
    const auto data = QByteArray::fromBase64Encoding(
        QByteArray::fromStdString(resource.value("data", std::string())),
        QByteArray::AbortOnBase64DecodingErrors);
    if (!data)
        return u"Binary.data of a PATCH entry is not base64"_s;
    *contentType = jsonPatchType.toByteArray();
    *body = *data;
    return std::nullopt;
}

} // namespace

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
    QString location(const StoredVersion &v) const
    {
        return options.baseUrl + u'/' + v.type + u'/' + v.id + u"/_history/"_s
            + QString::number(v.version);
    }

    Response capabilityStatement(const Context &ctx);
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
    Response remove(const Context &ctx, const QString &type, const QString &id);
    /// The start of a write the client may condition on If-Match (http.html#concurrency): the
    /// version the header names (0 for none; a malformed one is a 400) and, inside `tx`, the
    /// current version of type/id. The caller decides when a stale If-Match is a 412.
    Failure beginWrite(const Request &request, const Store::Transaction &tx, const QString &type,
                       const QString &id, qint64 *expected, std::optional<StoredVersion> *previous);
    Response patch(const Context &ctx, const QString &type, const QString &id);
    Response validateOperation(const Context &ctx, const QString &type, const QString &id);
    Response history(const Context &ctx, const QString &type, const QString &id);
    Response search(const Context &ctx, const QString &type, bool post);
    /// GET [base]?_type=..., POST [base]/_search (search.html, "Searching Multiple Resource
    /// Types"): every type when there is no _type.
    Response systemSearch(const Context &ctx, bool post);
    /// One page of a search as a searchset Bundle; `path` is the searched type's, or empty.
    Response searchPage(const Context &ctx, Result<search::Criteria> criteria,
                        Result<search::ResultOptions> result, const QString &path);
    /// The parameters of a search: the query, and for POST _search the form body too.
    Result<QList<QPair<QString, QString>>> searchParams(const Context &ctx, bool post) const;
    Response bundle(const Context &ctx);
    /// The batch-response or transaction-response Bundle of the entries' results.
    QByteArray responseBundle(bool transaction, const QList<Response> &results) const;
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
};

FhirServer::FhirServer(std::shared_ptr<const schema::Model> model, std::unique_ptr<Store> store,
                       ServerOptions options)
    : d(std::make_unique<Private>())
{
    d->model = std::move(model);
    d->validator = std::make_unique<schema::Validator>(d->model);
    d->store = std::move(store);
    d->apiKeys = std::make_unique<ApiKeyStore>(*d->store, [d = d.get()] { return d->clock(); });
    d->gate = std::make_unique<ApiKeyGate>(*d->apiKeys);
    d->indexer = std::make_unique<search::Indexer>(d->model, *d->store);
    d->engine = std::make_unique<search::SearchEngine>(d->model, *d->store, *d->indexer);
    d->subsetter = std::make_unique<search::Subsetter>(d->model);
    d->options = std::move(options);
    const QStringList types = d->model->resourceTypes();
    d->resourceTypes = QSet<QString>(types.begin(), types.end());
}

FhirServer::~FhirServer() = default;

Result<std::unique_ptr<FhirServer>> FhirServer::open(std::shared_ptr<const schema::Model> model,
                                                     const QString &dataFolder,
                                                     ServerOptions options)
{
    if (!model)
        return Error{u"no FHIR model"_s};
    auto store = Store::open(dataFolder);
    if (!store)
        return Error{store.error()};
    auto server = std::make_unique<FhirServer>(std::move(model), std::move(store).value(),
                                               std::move(options));
    if (auto ok = server->d->indexer->open(); !ok)
        return Error{u"cannot prepare the search index: "_s + ok.error()};
    return server;
}

const ServerOptions &FhirServer::options() const
{
    return d->options;
}

void FhirServer::setBaseUrl(const QString &baseUrl)
{
    d->options.baseUrl = baseUrl;
    d->capabilities.clear();
}

Store &FhirServer::store()
{
    return *d->store;
}

void FhirServer::setClock(std::function<qint64()> clock)
{
    d->clock = std::move(clock);
}

Response FhirServer::handle(const Request &request)
{
    Response response;
    try {
        response = d->dispatch(request);
    } catch (const std::exception &e) {
        qCWarning(lcServer) << "internal error:" << e.what();
        response = Private::internal(u"the server failed while answering this request"_s);
    } catch (...) {
        qCWarning(lcServer) << "internal error of unknown kind";
        response = Private::internal(u"the server failed while answering this request"_s);
    }
    // _pretty applies to every JSON answer, errors included.
    if (request.queryValues(u"_pretty"_s).value(0) == u"true"_s && !response.body.isEmpty()) {
        const auto parsed = Json::parse(response.body.toStdString(), nullptr, false);
        if (!parsed.is_discarded())
            response.body = QByteArray::fromStdString(parsed.dump(2));
    }
    return response;
}

Response FhirServer::Private::internal(const QString &what)
{
    return errorResponse(makeError(ErrorKind::Internal, what));
}

Response FhirServer::Private::dispatch(const Request &request)
{
    if (options.requireApiKey) {
        if (auto refused = gate->check(request))
            return errorResponse(*refused);
    }
    Context ctx{request, QByteArray(fhirJson.toByteArray()), preferences(request), {}, nullptr};
    if (request.body.size() > options.maxBodyBytes) {
        return errorResponse(
            makeError(ErrorKind::TooLarge,
                      u"the request body has %1 bytes; this server accepts at most %2"_s
                          .arg(request.body.size())
                          .arg(options.maxBodyBytes)));
    }
    if (auto failure = negotiate(ctx))
        return errorResponse(*failure);
    // A server made with the constructor rather than open() prepares its index here.
    if (!indexer->isOpen()) {
        if (auto ok = indexer->open(); !ok)
            return internal(u"cannot prepare the search index: "_s + ok.error());
    }

    QStringList segments;
    if (auto failure = splitPath(request.path, &segments))
        return errorResponse(*failure);
    return route(ctx, segments);
}

Failure FhirServer::Private::negotiate(Context &ctx) const
{
    const QStringList formats = ctx.request.queryValues(u"_format"_s);
    if (!formats.isEmpty()) {
        const QByteArray format = mediaType(formats.first().toUtf8());
        if (format == "json" || format == fhirJson || format == "application/json+fhir") {
            ctx.contentType = fhirJson.toByteArray();
            return {};
        }
        if (format == plainJson) {
            ctx.contentType = plainJson.toByteArray();
            return {};
        }
        return makeError(
            ErrorKind::NotAcceptable,
            u"_format=%1 is not available: this server speaks JSON only "
            "(application/fhir+json or application/json)"_s.arg(formats.first().left(80)));
    }
    const QByteArray accept = ctx.request.header("Accept");
    if (accept.trimmed().isEmpty())
        return {};
    bool any = false;
    bool plain = false;
    for (const QByteArray &item : accept.split(',')) {
        const QByteArray type = mediaType(item);
        if (item.contains("q=0") && !item.contains("q=0.")) // explicitly not acceptable
            continue;
        if (type == fhirJson || type == "application/json+fhir") {
            ctx.contentType = fhirJson.toByteArray();
            return {};
        }
        if (type == plainJson)
            plain = true;
        else if (type == "*/*" || type == "application/*")
            any = true;
    }
    if (plain) {
        ctx.contentType = plainJson.toByteArray();
        return {};
    }
    if (any)
        return {};
    return makeError(ErrorKind::NotAcceptable,
                     u"none of the accepted formats is available: this server speaks JSON only "
                     "(application/fhir+json or application/json)"_s);
}

Failure FhirServer::Private::checkBody(const Request &request) const
{
    const QByteArray contentType = request.header("Content-Type");
    const QByteArray type = mediaType(contentType);
    if (!isJsonType(type)) {
        const QString what = contentType.isEmpty()
            ? u"a request body needs a Content-Type"_s
            : u"Content-Type %1 is not supported"_s.arg(QString::fromLatin1(type));
        return makeError(ErrorKind::UnsupportedMediaType,
                         what
                             + (isXmlType(type) ? u": this server reads JSON only"_s
                                                : u": send application/fhir+json"_s));
    }
    const qsizetype charset = contentType.toLower().indexOf("charset=");
    if (charset >= 0) {
        const QByteArray name = contentType.mid(charset + 8).split(';').first().trimmed().toLower();
        if (name != "utf-8" && name != "\"utf-8\"")
            return makeError(ErrorKind::UnsupportedMediaType,
                             u"FHIR JSON is UTF-8; charset %1 is not supported"_s.arg(
                                 QString::fromLatin1(name)));
    }
    return {};
}

Failure FhirServer::Private::parseResource(const Request &request, const QString &type,
                                           Json &resource, Content content) const
{
    if (auto failure = checkBody(request))
        return failure;
    switch (readOrderedJson(request.body.constData(),
                            request.body.constData() + request.body.size(), options.maxJsonDepth,
                            resource)) {
    case JsonReadStatus::Ok:
        break;
    case JsonReadStatus::TooDeep:
        return makeError(ErrorKind::Invalid,
                         u"the JSON nests deeper than %1 levels"_s.arg(options.maxJsonDepth));
    case JsonReadStatus::Malformed:
        return makeError(ErrorKind::Invalid, u"the request body is not valid JSON"_s);
    }
    if (auto failure = checkResource(resource, type))
        return failure;
    return content == Content::Validate ? validate(resource, type) : Failure();
}

Failure FhirServer::Private::parseResource(const Context &ctx, const QString &type, Json &resource,
                                           nlohmann::json &plain) const
{
    if (!ctx.entryResource) {
        if (auto failure = parseResource(ctx.request, type, resource, Content::ShapeOnly))
            return failure;
    } else {
        resource = std::move(*ctx.entryResource);
        if (auto failure = checkResource(resource, type))
            return failure;
    }
    plain = resource;
    return validate(plain, type);
}

Failure FhirServer::Private::checkResource(const Json &resource, const QString &type) const
{
    if (!resource.is_object())
        return makeError(ErrorKind::Invalid, u"the request body is not a JSON object"_s);
    const auto rt = resource.find("resourceType");
    if (rt == resource.end() || !rt->is_string())
        return makeError(ErrorKind::Invalid, u"the resource has no resourceType"_s);
    const QString bodyType = QString::fromStdString(rt->get<std::string>());
    if (bodyType != type) {
        return makeError(
            ErrorKind::Invalid,
            u"the resourceType '%1' does not match the type '%2' in the URL"_s.arg(bodyType, type),
            {type});
    }
    const auto id = resource.find("id");
    if (id != resource.end()
        && (!id->is_string() || !isValidId(QString::fromStdString(id->get<std::string>())))) {
        return makeError(ErrorKind::Invalid,
                         u"the resource id must be 1 to 64 of A-Z a-z 0-9 - ."_s,
                         {type + u".id"_s});
    }
    const auto meta = resource.find("meta");
    if (meta != resource.end() && !meta->is_object())
        return makeError(ErrorKind::Invalid, u"meta must be an object"_s, {type + u".meta"_s});
    return {};
}

Failure FhirServer::Private::parseJson(const Request &request, nlohmann::json &out) const
{
    if (!nestingWithin(request.body, options.maxJsonDepth))
        return makeError(ErrorKind::Invalid,
                         u"the JSON nests deeper than %1 levels"_s.arg(options.maxJsonDepth));
    out = nlohmann::json::parse(request.body.constData(),
                                request.body.constData() + request.body.size(), nullptr, false);
    if (out.is_discarded())
        return makeError(ErrorKind::Invalid, u"the request body is not valid JSON"_s);
    return {};
}

Failure FhirServer::Private::validate(const nlohmann::json &resource, const QString &type) const
{
    const QList<schema::ValidationIssue> problems = validator->validate(resource, type);
    if (problems.isEmpty())
        return {};
    // http.html: 400 when the content is not valid FHIR (unknown elements, wrong JSON types or
    // shapes, bad primitive values); 422 when it is well-formed but breaks the rules of the
    // definitions (a required element missing, a code outside a required value set).
    bool structural = false;
    for (const schema::ValidationIssue &p : problems) {
        structural = structural || p.code == u"structure"_s || p.code == u"value"_s
            || p.code == u"too-costly"_s || p.code == u"invalid"_s;
    }
    ServerError error = makeError(structural ? ErrorKind::Invalid : ErrorKind::Unprocessable,
                                  problems.first().message, {problems.first().expression});
    error.issues = issuesOf(problems);
    return error;
}

QByteArray FhirServer::Private::stamp(const Json &resource, nlohmann::json &plain,
                                      const QString &id, qint64 version, qint64 ms) const
{
    const std::string idText = id.toStdString();
    const std::string versionText = std::to_string(version);
    const std::string updated = instant(ms).toStdString();
    Json meta = Json::object();
    meta["versionId"] = versionText;
    meta["lastUpdated"] = updated;
    if (const auto old = resource.find("meta"); old != resource.end()) {
        for (auto it = old->begin(); it != old->end(); ++it) {
            if (it.key() != "versionId" && it.key() != "lastUpdated")
                meta[it.key()] = it.value();
        }
    }
    // Written member by member, as dump() would write the reordered object, without copying
    // the client's elements into one first.
    std::string out = "{\"resourceType\":";
    out += resource.at("resourceType").dump();
    out += ",\"id\":";
    out += Json(idText).dump();
    out += ",\"meta\":";
    out += meta.dump();
    for (auto it = resource.begin(); it != resource.end(); ++it) {
        if (it.key() == "resourceType" || it.key() == "id" || it.key() == "meta")
            continue;
        out += ',';
        out += Json(it.key()).dump();
        out += ':';
        out += it.value().dump();
    }
    out += '}';

    plain["id"] = idText;
    nlohmann::json &plainMeta = plain["meta"];
    plainMeta["versionId"] = versionText;
    plainMeta["lastUpdated"] = updated;
    return QByteArray::fromStdString(out);
}

Response FhirServer::Private::json(const Context &ctx, int status, const QByteArray &body) const
{
    Response response;
    response.status = status;
    response.setHeader("Content-Type", ctx.contentType + "; charset=utf-8");
    response.body = body;
    return response;
}

Response FhirServer::Private::json(const Context &ctx, int status, const Json &body) const
{
    return json(ctx, status, QByteArray::fromStdString(body.dump()));
}

Response FhirServer::Private::outcome(const Context &ctx, int status, const QString &message) const
{
    return json(
        ctx, status,
        toJson(operationOutcome({{IssueSeverity::Information, u"informational"_s, message, {}}})));
}

Response FhirServer::Private::written(const Context &ctx, int status, const StoredVersion &version,
                                      const QString &message) const
{
    Response response;
    switch (ctx.prefs.ret) {
    case ReturnPreference::Representation:
        response = version.deleted ? Response{status, {}, {}} : json(ctx, status, version.content);
        break;
    case ReturnPreference::Minimal:
        response.status = status;
        break;
    case ReturnPreference::OperationOutcome:
        response = outcome(ctx, status, message);
        break;
    }
    if (version.deleted && response.body.isEmpty())
        response.status = 204;
    response.setHeader("ETag", etag(version.version));
    response.setHeader("Last-Modified", httpDate(version.lastUpdatedMs));
    if (!version.deleted)
        response.setHeader("Location", location(version).toUtf8());
    return response;
}

Response FhirServer::Private::route(Context &ctx, const QStringList &s)
{
    const QByteArray &method = ctx.request.method;
    const bool get = method == "GET";
    if (s.isEmpty()) {
        if (get)
            return systemSearch(ctx, false);
        return method == "POST"
            ? bundle(ctx)
            : errorResponse(methodNotAllowed(method, u"the base URL"_s, "GET, POST"));
    }
    if (s.size() == 1 && s[0] == u"_search"_s)
        return get || method == "POST"
            ? systemSearch(ctx, !get)
            : errorResponse(methodNotAllowed(method, u"_search"_s, "GET, POST"));
    if (s.size() == 1 && s[0] == u"metadata"_s)
        return get ? capabilityStatement(ctx)
                   : errorResponse(methodNotAllowed(method, u"metadata"_s, "GET"));
    if (s.size() == 1 && s[0] == u"_history"_s)
        return get ? history(ctx, {}, {})
                   : errorResponse(methodNotAllowed(method, u"_history"_s, "GET"));
    const QString &type = s[0];
    if (!resourceTypes.contains(type)) {
        return errorResponse(makeError(ErrorKind::NotFound,
                                       type.startsWith(u'$')
                                           ? u"the operation %1 is not supported"_s.arg(type)
                                           : u"'%1' is not a FHIR R4 resource type"_s.arg(type)));
    }
    if (s.size() == 1) {
        if (get)
            return search(ctx, type, false);
        if (method == "POST")
            return create(ctx, type);
        if (method == "PUT")
            return conditionalUpdate(ctx, type);
        if (method == "DELETE")
            return conditionalDelete(ctx, type);
        return errorResponse(methodNotAllowed(method, type, "GET, POST, PUT, DELETE"));
    }
    if (s.size() == 2 && s[1] == u"_search"_s) {
        if (get || method == "POST")
            return search(ctx, type, !get);
        return errorResponse(methodNotAllowed(method, type + u"/_search"_s, "GET, POST"));
    }
    if (s.size() == 2 && s[1] == u"_history"_s)
        return get ? history(ctx, type, {})
                   : errorResponse(methodNotAllowed(method, type + u"/_history"_s, "GET"));
    if (s.size() == 2 && s[1] == u"$validate"_s)
        return validateOperation(ctx, type, {});
    if (s.size() == 2 && s[1] == u"$everything"_s && type == u"Patient"_s) {
        return get ? everything(ctx, {})
                   : errorResponse(methodNotAllowed(method, u"Patient/$everything"_s, "GET"));
    }
    const QString &id = s[1];
    if (!isValidId(id)) {
        return errorResponse(
            makeError(ErrorKind::Invalid,
                      u"'%1' is not a valid id: 1 to 64 of A-Z a-z 0-9 - ."_s.arg(id.left(80))));
    }
    if (s.size() == 2) {
        if (get)
            return read(ctx, type, id);
        if (method == "PUT")
            return update(ctx, type, id);
        if (method == "DELETE")
            return remove(ctx, type, id);
        if (method == "PATCH")
            return patch(ctx, type, id);
        return errorResponse(
            methodNotAllowed(method, type + u"/[id]"_s, "GET, PUT, PATCH, DELETE"));
    }
    if (s.size() == 3 && s[2] == u"$validate"_s)
        return validateOperation(ctx, type, id);
    if (s.size() == 3 && s[2] == u"$everything"_s && type == u"Patient"_s) {
        return get ? everything(ctx, id)
                   : errorResponse(methodNotAllowed(method, u"Patient/[id]/$everything"_s, "GET"));
    }
    if (s[2] == u"_history"_s && s.size() <= 4) {
        if (!get) {
            return errorResponse(
                methodNotAllowed(method, type + u"/[id]/_history"_s, QByteArray("GET")));
        }
        return s.size() == 3 ? history(ctx, type, id) : vread(ctx, type, id, s[3]);
    }
    return errorResponse(makeError(ErrorKind::NotFound, u"nothing is served at this path"_s));
}

Response FhirServer::Private::capabilityStatement(const Context &ctx)
{
    if (capabilities.isEmpty()) {
        // What this server does, where it is narrower than the definition says.
        const auto documentation = [](const schema::SearchParameter *sp) {
            if (sp->code == u"_text"_s)
                return u"Each comma-separated alternative matches when all its space-separated "
                       "words appear in the narrative (text.div, markup included), ignoring the "
                       "case of ASCII letters; no stemming and no index: the type's resources "
                       "are read in full."_s;
            if (sp->code == u"_content"_s)
                return u"Each comma-separated alternative matches when all its space-separated "
                       "words appear in the resource's JSON (element names and values), "
                       "ignoring the case of ASCII letters; no stemming and no index: the "
                       "type's resources are read in full."_s;
            return sp->description;
        };
        // _revinclude: every reference parameter, by the types it points at.
        QHash<QString, QStringList> revIncludes;
        for (const QString &type : model->resourceTypes()) {
            for (const search::IndexedParam *p : indexer->params(type)) {
                if (p->definition->type != schema::SearchParamType::Reference)
                    continue;
                for (const QString &target : p->definition->targets)
                    revIncludes[target].append(type + u':' + p->definition->code);
            }
        }
        Json resources = Json::array();
        for (const QString &type : model->resourceTypes()) {
            Json params = Json::array();
            Json includes = Json::array({"*"});
            auto addParam = [&](const schema::SearchParameter *sp) {
                params.push_back({{"name", sp->code.toStdString()},
                                  {"definition", sp->url.toStdString()},
                                  {"type", schema::searchParamTypeName(sp->type).toStdString()},
                                  {"documentation", documentation(sp).toStdString()}});
            };
            for (const QString &code : {u"_id"_s, u"_lastUpdated"_s, u"_text"_s, u"_content"_s}) {
                if (auto sp = model->searchParameter(type, code))
                    addParam(*sp);
            }
            for (const search::IndexedParam *p : indexer->params(type)) {
                if (!p->expression)
                    continue;
                addParam(p->definition);
                if (p->definition->type == schema::SearchParamType::Reference)
                    includes.push_back(QString(type + u':' + p->definition->code).toStdString());
            }
            Json revs = Json::array();
            for (const QString &rev : revIncludes.value(type))
                revs.push_back(rev.toStdString());
            Json interactions = Json::array();
            for (const char *code : {"read", "vread", "update", "patch", "delete",
                                     "history-instance", "history-type", "create", "search-type"})
                interactions.push_back({{"code", code}});
            Json resource
                = {{"type", type.toStdString()},
                   {"profile", "http://hl7.org/fhir/StructureDefinition/" + type.toStdString()},
                   {"interaction", std::move(interactions)},
                   {"versioning", "versioned-update"},
                   {"readHistory", true},
                   {"updateCreate", true},
                   {"conditionalCreate", true},
                   {"conditionalRead", "not-supported"},
                   {"conditionalUpdate", true},
                   {"conditionalDelete", "single"},
                   {"searchInclude", std::move(includes)},
                   {"searchRevInclude", std::move(revs)},
                   {"searchParam", std::move(params)}};
            Json operations = Json::array(
                {{{"name", "validate"},
                  {"definition", "http://hl7.org/fhir/OperationDefinition/Resource-validate"}}});
            if (type == u"Patient"_s) {
                operations.push_back(
                    {{"name", "everything"},
                     {"definition", "http://hl7.org/fhir/OperationDefinition/Patient-everything"},
                     {"documentation",
                      "GET Patient/[id]/$everything: the patient and every "
                      "resource of its compartment; GET Patient/$everything: every patient "
                      "and their compartments, each resource once. Each page also "
                      "includes what its resources refer to (search.mode include). "
                      "Parameters: start and end "
                      "(care dates, by the clinical-date search parameter), _since, _type, "
                      "_count, _offset"}});
            }
            resource["operation"] = std::move(operations);
            resources.push_back(std::move(resource));
        }
        // Search over every type (search.html#multiple-types): the parameters every type
        // has, which are those of Resource.
        Json systemParams = Json::array();
        QList<const schema::SearchParameter *> anyType;
        if (auto all = model->searchParameters(u"Patient"_s))
            anyType = *all;
        for (const schema::SearchParameter *sp : std::as_const(anyType)) {
            const bool column = sp->code == u"_id"_s || sp->code == u"_lastUpdated"_s
                || sp->code == u"_content"_s;
            if (!sp->base.contains(u"Resource"_s)
                || (!column && !indexer->param(u"Patient"_s, sp->code)))
                continue;
            systemParams.push_back({{"name", sp->code.toStdString()},
                                    {"definition", sp->url.toStdString()},
                                    {"type", schema::searchParamTypeName(sp->type).toStdString()},
                                    {"documentation", documentation(sp).toStdString()}});
        }
        Json statement = {
            {"resourceType", "CapabilityStatement"},
            {"status", "active"},
            {"date", instant(clock()).toStdString()},
            {"publisher", "FHIR Portal"},
            {"kind", "instance"},
            {"software", {{"name", "FHIR Portal embedded server"}}},
            {"implementation",
             {{"description", "FHIR Portal embedded server"},
              {"url", options.baseUrl.toStdString()}}},
            {"fhirVersion", model->fhirVersion().toStdString()},
            {"format", {"application/fhir+json", "json"}},
            {"patchFormat", {"application/json-patch+json", "application/fhir+json"}},
            {"rest",
             {{{"mode", "server"},
               {"security", ApiKeyGate::capabilitySecurity(options.requireApiKey)},
               {"documentation",
                "Search: every parameter type with its modifiers and prefixes (composite "
                "values joined by $, matched within one element: one Observation.component), "
                "one level of "
                "chaining, reverse chaining with _has (nested up to 4 deep), _sort, _count, "
                "_offset, _total, _summary, _elements, _include and _revinclude (with :iterate, "
                "up to 10 rounds and 1000 included resources a page). Search over several types "
                "at the base URL (GET [base]?_type=A,B or POST [base]/_search; every type "
                "without _type) takes the parameters all the listed types have; one that only "
                "some of them have is an error unless Prefer: handling=lenient. Unknown "
                "parameters are ignored unless Prefer: handling=strict."},
               {"resource", std::move(resources)},
               {"interaction",
                {{{"code", "transaction"}},
                 {{"code", "batch"}},
                 {{"code", "history-system"}},
                 {{"code", "search-system"}}}},
               {"searchParam", std::move(systemParams)}}}},
        };
        capabilities = QByteArray::fromStdString(statement.dump());
    }
    return json(ctx, 200, capabilities);
}

Response FhirServer::Private::shaped(const Context &ctx, const QByteArray &content)
{
    QList<QPair<QString, QString>> params;
    for (const auto &item : ctx.request.query) {
        if (item.first == u"_summary"_s || item.first == u"_elements"_s)
            params.append(item);
    }
    if (params.isEmpty())
        return json(ctx, 200, content);
    Json resource = Json::parse(content.constData(), content.constData() + content.size());
    auto result = engine->resultOptions(QString::fromStdString(resource.value("resourceType", "")),
                                        params, {options.defaultCount, options.maxCount});
    if (!result)
        return errorResponse(makeError(ErrorKind::Invalid, result.error()));
    subsetter->apply(resource, result->summary, result->elements);
    return json(ctx, 200, resource);
}

Response FhirServer::Private::read(const Context &ctx, const QString &type, const QString &id)
{
    auto current = store->current(type, id);
    if (!current)
        return internal(current.error());
    if (!current->has_value())
        return errorResponse(makeError(ErrorKind::NotFound, u"%1/%2 is not known"_s.arg(type, id)));
    const StoredVersion &v = **current;
    if (v.deleted) {
        Response gone
            = errorResponse(makeError(ErrorKind::Gone, u"%1/%2 was deleted"_s.arg(type, id)));
        gone.setHeader("ETag", etag(v.version));
        return gone;
    }
    Response response = shaped(ctx, v.content);
    if (response.status != 200)
        return response;
    response.setHeader("ETag", etag(v.version));
    response.setHeader("Last-Modified", httpDate(v.lastUpdatedMs));
    return response;
}

Response FhirServer::Private::vread(const Context &ctx, const QString &type, const QString &id,
                                    const QString &vid)
{
    if (!isValidId(vid))
        return errorResponse(
            makeError(ErrorKind::Invalid, u"'%1' is not a valid version id"_s.arg(vid.left(80))));
    bool numeric = false;
    const qint64 number = vid.toLongLong(&numeric);
    std::optional<StoredVersion> found;
    if (numeric && number > 0) {
        auto v = store->version(type, id, number);
        if (!v)
            return internal(v.error());
        found = std::move(v).value();
    }
    if (!found) {
        return errorResponse(
            makeError(ErrorKind::NotFound, u"%1/%2 has no version %3"_s.arg(type, id, vid)));
    }
    if (found->deleted) {
        Response gone = errorResponse(
            makeError(ErrorKind::Gone, u"version %3 of %1/%2 is a deletion"_s.arg(type, id, vid)));
        gone.setHeader("ETag", etag(found->version));
        return gone;
    }
    Response response = shaped(ctx, found->content);
    if (response.status != 200)
        return response;
    response.setHeader("ETag", etag(found->version));
    response.setHeader("Last-Modified", httpDate(found->lastUpdatedMs));
    return response;
}

Response FhirServer::Private::create(const Context &ctx, const QString &type)
{
    Json resource;
    nlohmann::json plain;
    if (auto failure = parseResource(ctx, type, resource, plain))
        return errorResponse(*failure);
    Store::Transaction tx(*store);
    if (!tx.isActive())
        return internal(tx.error());
    // Conditional create (http.html#ccreate): none matches, create; one matches, answer it.
    if (const QByteArray criteria = ctx.request.header("If-None-Exist"); !criteria.isNull()) {
        QList<StoredVersion> found;
        if (auto failure
            = conditionalMatches(type, criteriaOf(criteria), u"If-None-Exist"_s, &found))
            return errorResponse(*failure);
        if (found.size() == 1) {
            Response response = written(
                ctx, 200, found.first(),
                u"%1/%2 matches If-None-Exist; nothing created"_s.arg(type, found.first().id));
            return response;
        }
    }
    // The spec: a server ignores the id of a resource it is asked to create.
    StoredVersion v;
    v.type = type;
    v.id = ctx.assignedId.isEmpty() ? QUuid::createUuid().toString(QUuid::WithoutBraces)
                                    : ctx.assignedId;
    v.version = 1;
    v.lastUpdatedMs = clock();
    v.method = "POST";
    v.content = stamp(resource, plain, v.id, v.version, v.lastUpdatedMs);
    if (auto ok = store->append(v); !ok)
        return internal(ok.error());
    if (auto ok = indexer->index(v, plain); !ok)
        return internal(ok.error());
    if (auto ok = tx.commit(); !ok)
        return internal(ok.error());
    qCDebug(lcServer) << "created" << type << "version" << v.version;
    return written(ctx, 201, v, u"created %1/%2 version 1"_s.arg(type, v.id));
}

/// The version an If-Match header asks for: W/"3" or "3". 0 when absent, -1 when malformed.
static qint64 ifMatchVersion(const Request &request)
{
    QByteArray value = request.header("If-Match").trimmed();
    if (value.isEmpty())
        return 0;
    if (value.startsWith("W/"))
        value = value.mid(2);
    if (value.size() < 3 || !value.startsWith('"') || !value.endsWith('"'))
        return -1;
    bool ok = false;
    const qint64 version = value.mid(1, value.size() - 2).toLongLong(&ok);
    return ok && version > 0 ? version : -1;
}

Failure FhirServer::Private::beginWrite(const Request &request, const Store::Transaction &tx,
                                        const QString &type, const QString &id, qint64 *expected,
                                        std::optional<StoredVersion> *previous)
{
    *expected = ifMatchVersion(request);
    if (*expected < 0)
        return makeError(ErrorKind::Invalid, u"If-Match must be a version ETag such as W/\"3\""_s);
    if (!tx.isActive())
        return makeError(ErrorKind::Internal, tx.error());
    auto current = store->current(type, id);
    if (!current)
        return makeError(ErrorKind::Internal, current.error());
    *previous = std::move(current).value();
    return {};
}

Response FhirServer::Private::update(const Context &ctx, const QString &type, const QString &id,
                                     bool idFromCriteria)
{
    Json resource;
    nlohmann::json plain;
    if (auto failure = parseResource(ctx, type, resource, plain))
        return errorResponse(*failure);
    // A conditional update may leave the id out: the match (or a new id) gives it.
    if (idFromCriteria && !resource.contains("id"))
        resource["id"] = id.toStdString();
    const auto bodyId = resource.find("id");
    if (bodyId == resource.end()) {
        return errorResponse(makeError(ErrorKind::Invalid,
                                       u"the resource has no id; an update needs the id of the "
                                       "URL (%1) in the body"_s.arg(id),
                                       {type + u".id"_s}));
    }
    if (QString::fromStdString(bodyId->get<std::string>()) != id) {
        return errorResponse(makeError(
            ErrorKind::Invalid, u"the id in the body does not match the id %1 in the URL"_s.arg(id),
            {type + u".id"_s}));
    }
    Store::Transaction tx(*store);
    qint64 expected = 0;
    std::optional<StoredVersion> previous;
    if (auto failure = beginWrite(ctx.request, tx, type, id, &expected, &previous))
        return errorResponse(*failure);
    if (auto failure = ifMatchFails(expected, previous, type, id))
        return errorResponse(*failure);
    StoredVersion v;
    v.type = type;
    v.id = id;
    v.version = previous ? previous->version + 1 : 1;
    v.lastUpdatedMs = clock();
    v.method = "PUT";
    v.content = stamp(resource, plain, id, v.version, v.lastUpdatedMs);
    if (auto ok = store->append(v); !ok)
        return internal(ok.error());
    if (auto ok = indexer->index(v, plain); !ok)
        return internal(ok.error());
    if (auto ok = tx.commit(); !ok)
        return internal(ok.error());
    const bool created = !previous || previous->deleted;
    return written(
        ctx, created ? 201 : 200, v,
        u"%1 %2/%3, now version %4"_s.arg(created ? u"created"_s : u"updated"_s, type, id)
            .arg(v.version));
}

QList<QPair<QString, QString>> FhirServer::Private::criteriaOf(const QByteArray &text)
{
    QString query = QString::fromUtf8(text);
    if (const qsizetype question = query.indexOf(u'?'); question >= 0)
        query = query.mid(question + 1);
    return QUrlQuery(query).queryItems(QUrl::FullyDecoded);
}

Failure FhirServer::Private::conditionalMatches(const QString &type,
                                                const QList<QPair<QString, QString>> &query,
                                                const QString &what, QList<StoredVersion> *found)
{
    auto criteria = engine->criteria(type, query, true, options.baseUrl, clock());
    if (!criteria)
        return makeError(ErrorKind::Invalid, what + u": "_s + criteria.error());
    if (criteria->conditions == 0)
        return makeError(ErrorKind::Invalid,
                         what + u": a conditional interaction needs search criteria"_s);
    auto matches = engine->matches(*criteria, 2);
    if (!matches)
        return makeError(ErrorKind::Internal, matches.error());
    *found = std::move(matches).value();
    if (found->size() > 1)
        return makeError(ErrorKind::PreconditionFailed,
                         what + u": the criteria match more than one %1"_s.arg(type));
    return {};
}

Response FhirServer::Private::conditionalUpdate(const Context &ctx, const QString &type)
{
    Store::Transaction tx(*store);
    if (!tx.isActive())
        return internal(tx.error());
    QList<StoredVersion> found;
    if (auto failure = conditionalMatches(type, ctx.request.query, u"conditional update"_s, &found))
        return errorResponse(*failure);
    QString id;
    if (found.size() == 1) {
        id = found.first().id;
    } else {
        // No match: create, under the body's id when it has one (update as create).
        Json body = Json::parse(ctx.request.body.toStdString(), nullptr, false);
        const auto bodyId = body.is_object() ? body.find("id") : body.end();
        id = body.is_object() && bodyId != body.end() && bodyId->is_string()
            ? QString::fromStdString(bodyId->get<std::string>())
            : QUuid::createUuid().toString(QUuid::WithoutBraces);
    }
    Response response = update(ctx, type, id, true);
    if (response.status < 300) {
        if (auto ok = tx.commit(); !ok)
            return internal(ok.error());
    }
    return response;
}

Response FhirServer::Private::conditionalDelete(const Context &ctx, const QString &type)
{
    Store::Transaction tx(*store);
    if (!tx.isActive())
        return internal(tx.error());
    QList<StoredVersion> found;
    if (auto failure = conditionalMatches(type, ctx.request.query, u"conditional delete"_s, &found))
        return errorResponse(*failure);
    if (found.isEmpty()) {
        return ctx.prefs.ret == ReturnPreference::OperationOutcome
            ? outcome(ctx, 200, u"no %1 matches; nothing to delete"_s.arg(type))
            : Response{204, {}, {}};
    }
    Response response = remove(ctx, type, found.first().id);
    if (response.status < 300) {
        if (auto ok = tx.commit(); !ok)
            return internal(ok.error());
    }
    return response;
}

Response FhirServer::Private::remove(const Context &ctx, const QString &type, const QString &id)
{
    Store::Transaction tx(*store);
    qint64 expected = 0;
    std::optional<StoredVersion> previous;
    if (auto failure = beginWrite(ctx.request, tx, type, id, &expected, &previous))
        return errorResponse(*failure);
    if (auto failure = ifMatchFails(expected, previous, type, id))
        return errorResponse(*failure);
    // Deleting what does not exist, or is deleted already, succeeds and changes nothing
    // (http.html#delete: delete is idempotent).
    if (!previous || previous->deleted) {
        Response response = ctx.prefs.ret == ReturnPreference::OperationOutcome
            ? outcome(ctx, 200, u"%1/%2 does not exist; nothing to delete"_s.arg(type, id))
            : Response{204, {}, {}};
        if (previous)
            response.setHeader("ETag", etag(previous->version));
        return response;
    }
    StoredVersion v;
    v.type = type;
    v.id = id;
    v.version = previous->version + 1;
    v.lastUpdatedMs = clock();
    v.method = "DELETE";
    v.deleted = true;
    if (auto ok = store->append(v); !ok)
        return internal(ok.error());
    if (auto ok = indexer->index(v); !ok)
        return internal(ok.error());
    if (auto ok = tx.commit(); !ok)
        return internal(ok.error());
    return written(ctx, 200, v, u"deleted %1/%2"_s.arg(type, id));
}

Response FhirServer::Private::patch(const Context &ctx, const QString &type, const QString &id)
{
    // http.html#patch: JSON Patch or FHIRPath Patch, told apart by the Content-Type.
    const QByteArray media = mediaType(ctx.request.header("Content-Type"));
    const bool isJsonPatch = media == jsonPatchType;
    if (!isJsonPatch) {
        if (auto failure = checkBody(ctx.request); failure || !isJsonType(media)) {
            ServerError error = makeError(ErrorKind::UnsupportedMediaType,
                                          u"PATCH takes application/json-patch+json (JSON Patch) "
                                          "or application/fhir+json (a FHIRPath Patch "
                                          "Parameters)"_s);
            // RFC 5789 §2.2: a 415 to a PATCH says which patch formats are accepted.
            error.headers.append(
                {QByteArray("Accept-Patch"),
                 QByteArray("application/json-patch+json, application/fhir+json")});
            return errorResponse(error);
        }
    }
    nlohmann::json document;
    if (auto failure = parseJson(ctx.request, document))
        return errorResponse(*failure);
    std::optional<JsonPatch> jsonPatch;
    std::optional<FhirPathPatch> fhirPathPatch;
    if (isJsonPatch) {
        auto parsed = JsonPatch::parse(document);
        if (!parsed)
            return errorResponse(makeError(ErrorKind::Invalid, parsed.error()));
        jsonPatch = std::move(parsed).value();
    } else {
        auto parsed = FhirPathPatch::parse(document);
        if (!parsed)
            return errorResponse(makeError(ErrorKind::Invalid, parsed.error()));
        fhirPathPatch = std::move(parsed).value();
    }
    Store::Transaction tx(*store);
    qint64 expected = 0;
    std::optional<StoredVersion> previous;
    if (auto failure = beginWrite(ctx.request, tx, type, id, &expected, &previous))
        return errorResponse(*failure);
    if (!previous)
        return errorResponse(makeError(ErrorKind::NotFound, u"%1/%2 is not known"_s.arg(type, id)));
    if (previous->deleted)
        return errorResponse(makeError(ErrorKind::Gone, u"%1/%2 was deleted"_s.arg(type, id)));
    if (auto failure = ifMatchFails(expected, previous, type, id))
        return errorResponse(*failure);

    const auto stored = nlohmann::json::parse(previous->content.toStdString());
    fhirpath::Environment env;
    env.model = model;
    auto patched = jsonPatch ? jsonPatch->apply(stored) : fhirPathPatch->apply(stored, env);
    // RFC 5789 §2.2 (which RFC 6902 §5 refers to): a patch that is well-formed but cannot be
    // applied to the resource as it is now (a failing test, a path that is not there) is a
    // conflicting state, 409; a patch that applies but leaves an invalid resource is 422 (or
    // 400 for broken structure, as for an update).
    if (!patched)
        return errorResponse(makeError(ErrorKind::Conflict, patched.error()));
    if (!patched->is_object()
        || patched->value("resourceType", nlohmann::json()) != type.toStdString()
        || patched->value("id", nlohmann::json()) != id.toStdString()) {
        return errorResponse(makeError(ErrorKind::Unprocessable,
                                       u"a patch cannot change the resourceType or the id"_s,
                                       {type + u".id"_s}));
    }
    const Json resource = toJson(*patched);
    if (const auto meta = resource.find("meta"); meta != resource.end() && !meta->is_object())
        return errorResponse(
            makeError(ErrorKind::Unprocessable, u"meta must be an object"_s, {type + u".meta"_s}));
    if (auto failure = validate(*patched, type))
        return errorResponse(*failure);
    StoredVersion v;
    v.type = type;
    v.id = id;
    v.version = previous->version + 1;
    v.lastUpdatedMs = clock();
    v.method = "PATCH";
    v.content = stamp(resource, patched.value(), id, v.version, v.lastUpdatedMs);
    if (auto ok = store->append(v); !ok)
        return internal(ok.error());
    if (auto ok = indexer->index(v, *patched); !ok)
        return internal(ok.error());
    if (auto ok = tx.commit(); !ok)
        return internal(ok.error());
    return written(ctx, 200, v, u"patched %1/%2, now version %3"_s.arg(type, id).arg(v.version));
}

Response FhirServer::Private::validateOperation(const Context &ctx, const QString &type,
                                                const QString &id)
{
    // R4 resource-operation-validate: POST [type]/$validate and [type]/[id]/$validate.
    const QString what = type + (id.isEmpty() ? QString() : u"/[id]"_s) + u"/$validate"_s;
    if (ctx.request.method != "POST")
        return errorResponse(methodNotAllowed(ctx.request.method, what, "POST"));
    nlohmann::json body;
    if (!ctx.request.body.isEmpty()) {
        if (auto failure = checkBody(ctx.request))
            return errorResponse(*failure);
        if (auto failure = parseJson(ctx.request, body))
            return errorResponse(*failure);
        if (!body.is_object() || !body.contains("resourceType"))
            return errorResponse(makeError(ErrorKind::Invalid,
                                           u"the body is neither a resource nor a Parameters"_s));
    }
    auto input = readValidateInput(body, type, ctx.request.query);
    if (!input)
        return errorResponse(makeError(ErrorKind::Invalid, input.error()));

    QList<Issue> issues;
    using Mode = ValidateInput::Mode;
    if (input->mode == Mode::Delete) {
        if (id.isEmpty())
            return errorResponse(makeError(ErrorKind::Invalid,
                                           u"mode=delete validates the deletion of an "
                                           "instance: POST [type]/[id]/$validate"_s));
        auto current = store->current(type, id);
        if (!current)
            return internal(current.error());
        if (!current->has_value())
            return errorResponse(
                makeError(ErrorKind::NotFound, u"%1/%2 is not known"_s.arg(type, id)));
        // Nothing refuses a delete here: this server keeps no referential integrity.
    }
    if (!input->resource.is_null()) {
        issues = issuesOf(validator->validate(input->resource, type));
        const auto bodyId = input->resource.find("id");
        const QString idPath = type + u".id"_s;
        if (bodyId != input->resource.end()
            && (!bodyId->is_string()
                || !isValidId(QString::fromStdString(bodyId->get<std::string>())))) {
            issues.append({IssueSeverity::Error,
                           u"value"_s,
                           u"the resource id must be 1 to 64 of A-Z a-z 0-9 - ."_s,
                           {idPath}});
        } else if (input->mode == Mode::Update) {
            if (bodyId == input->resource.end())
                issues.append({IssueSeverity::Error,
                               u"required"_s,
                               u"an update needs the resource's id"_s,
                               {idPath}});
            else if (!id.isEmpty() && bodyId->get<std::string>() != id.toStdString())
                issues.append(
                    {IssueSeverity::Error,
                     u"invalid"_s,
                     u"the id in the resource does not match the id %1 in the URL"_s.arg(id),
                     {idPath}});
        }
    }
    for (const QString &profile : std::as_const(input->profiles)) {
        issues.append({IssueSeverity::Warning,
                       u"not-supported"_s,
                       u"profile %1 was not checked: this server validates against the base "
                       "FHIR R4 specification only"_s.arg(profile.left(200)),
                       {}});
    }
    if (issues.isEmpty())
        issues.append({IssueSeverity::Information, u"informational"_s, u"All OK"_s, {}});
    return json(ctx, 200, toJson(operationOutcome(issues)));
}

Failure FhirServer::Private::pageParameters(const QList<QPair<QString, QString>> &params,
                                            qint64 *count, qint64 *offset) const
{
    *count = options.defaultCount;
    *offset = 0;
    for (const auto &[name, value] : params) {
        if (name != u"_count"_s && name != u"_offset"_s)
            continue;
        bool ok = false;
        const qint64 number = value.toLongLong(&ok);
        if (!ok || number < 0) {
            return makeError(ErrorKind::Invalid,
                             u"%1 must be a whole number of 0 or more"_s.arg(name));
        }
        if (name == u"_count"_s) {
            if (number > options.maxCount) {
                return makeError(ErrorKind::Invalid,
                                 u"_count=%1 is over this server's limit of %2"_s.arg(number).arg(
                                     options.maxCount));
            }
            *count = number;
        } else {
            *offset = number;
        }
    }
    return {};
}

Json FhirServer::Private::links(const QString &path, const QList<QPair<QString, QString>> &kept,
                                qint64 count, qint64 offset, std::optional<qint64> total,
                                bool more) const
{
    auto url = [&](qint64 pageOffset) {
        QList<QPair<QString, QString>> items = kept;
        items.append({u"_count"_s, QString::number(count)});
        if (pageOffset > 0)
            items.append({u"_offset"_s, QString::number(pageOffset)});
        return QString(options.baseUrl + path + u'?' + encodeQuery(items)).toStdString();
    };
    Json list = Json::array();
    list.push_back({{"relation", "self"}, {"url", url(offset)}});
    if (count > 0 && more)
        list.push_back({{"relation", "next"}, {"url", url(offset + count)}});
    if (count > 0 && offset > 0)
        list.push_back(
            {{"relation", "previous"}, {"url", url(std::max<qint64>(0, offset - count))}});
    if (count > 0) {
        list.push_back({{"relation", "first"}, {"url", url(0)}});
        if (total)
            list.push_back({{"relation", "last"},
                            {"url", url(*total > 0 ? (*total - 1) / count * count : 0)}});
    }
    return list;
}

Response FhirServer::Private::history(const Context &ctx, const QString &type, const QString &id)
{
    HistoryQuery query;
    query.type = type;
    query.id = id;
    QList<QPair<QString, QString>> kept;
    for (const auto &[name, value] : ctx.request.query) {
        if (name == u"_count"_s || name == u"_offset"_s || name == u"_format"_s
            || name == u"_pretty"_s)
            continue;
        if (name == u"_since"_s) {
            const auto since = search::parseDate(value);
            if (!since) {
                return errorResponse(
                    makeError(ErrorKind::Invalid, u"_since must be a FHIR instant"_s));
            }
            query.sinceMs = since->low;
            kept.append({name, value});
            continue;
        }
        if (name == u"_at"_s) {
            // http.html#history: the versions current at some point of the period the value
            // names (a day, a second...). One period only.
            const auto at = search::parseDate(value);
            if (!at || query.atMs) {
                return errorResponse(
                    makeError(ErrorKind::Invalid, u"_at must be one FHIR date or dateTime"_s));
            }
            query.atMs = std::pair{at->low, at->high};
            kept.append({name, value});
            continue;
        }
        if (ctx.prefs.handling == Handling::Lenient)
            continue;
        return errorResponse(makeError(
            ErrorKind::Invalid,
            u"the history parameter %1 is not supported by this server"_s.arg(name.left(80))));
    }
    if (auto failure = pageParameters(ctx.request.query, &query.count, &query.offset))
        return errorResponse(*failure);
    if (!id.isEmpty()) {
        auto current = store->current(type, id);
        if (!current)
            return internal(current.error());
        if (!current->has_value())
            return errorResponse(
                makeError(ErrorKind::NotFound, u"%1/%2 is not known"_s.arg(type, id)));
    }
    auto page = store->history(query);
    if (!page)
        return internal(page.error());

    QString path;
    if (!type.isEmpty())
        path += u'/' + type;
    if (!id.isEmpty())
        path += u'/' + id;
    path += u"/_history"_s;

    Json entries = Json::array();
    for (const StoredVersion &v : page->versions) {
        Json entry = Json::object();
        entry["fullUrl"] = QString(options.baseUrl + u'/' + v.type + u'/' + v.id).toStdString();
        if (!v.deleted)
            entry["resource"] = Json::parse(v.content.toStdString());
        const bool post = v.method == "POST";
        entry["request"] = {{"method", v.method.toStdString()},
                            {"url", (post ? v.type : QString(v.type + u'/' + v.id)).toStdString()}};
        const int status = v.deleted ? 204 : (post || v.version == 1) ? 201 : 200;
        entry["response"]
            = {{"status",
                QByteArray(QByteArray::number(status) + ' ' + reasonPhrase(status)).toStdString()},
               {"etag", etag(v.version).toStdString()},
               {"lastModified", instant(v.lastUpdatedMs).toStdString()}};
        entries.push_back(std::move(entry));
    }
    Json bundle = Json::object();
    bundle["resourceType"] = "Bundle";
    bundle["id"] = QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
    bundle["meta"] = {{"lastUpdated", instant(clock()).toStdString()}};
    bundle["type"] = "history";
    bundle["total"] = page->total;
    bundle["link"] = links(path, kept, query.count, query.offset, page->total,
                           query.offset + query.count < page->total);
    if (!entries.empty())
        bundle["entry"] = std::move(entries);
    return json(ctx, 200, bundle);
}

Result<QList<QPair<QString, QString>>> FhirServer::Private::searchParams(const Context &ctx,
                                                                         bool post) const
{
    QList<QPair<QString, QString>> params = ctx.request.query;
    if (post && !ctx.request.body.isEmpty()) {
        if (mediaType(ctx.request.header("Content-Type")) != "application/x-www-form-urlencoded")
            return Error{u"POST _search takes a body of application/x-www-form-urlencoded"_s};
        const QUrlQuery form(QString::fromUtf8(ctx.request.body));
        params.append(form.queryItems(QUrl::FullyDecoded));
    }
    return params;
}

Response FhirServer::Private::systemSearch(const Context &ctx, bool post)
{
    auto params = searchParams(ctx, post);
    if (!params)
        return errorResponse(makeError(ErrorKind::UnsupportedMediaType, params.error()));
    QStringList types;
    for (const auto &[name, value] : *params) {
        if (name != u"_type"_s)
            continue;
        for (const QString &t : value.split(u',')) {
            const QString type = t.trimmed();
            if (!resourceTypes.contains(type))
                return errorResponse(
                    makeError(ErrorKind::Invalid,
                              u"_type: '%1' is not a FHIR R4 resource type"_s.arg(type.left(100))));
            if (!types.contains(type))
                types.append(type);
        }
    }
    return searchPage(
        ctx,
        engine->criteria(types, *params, ctx.prefs.handling == Handling::Strict,
                         ctx.prefs.handling == Handling::Lenient, options.baseUrl, clock()),
        engine->resultOptions(types, *params, {options.defaultCount, options.maxCount}), QString());
}

Response FhirServer::Private::search(const Context &ctx, const QString &type, bool post)
{
    auto params = searchParams(ctx, post);
    if (!params)
        return errorResponse(makeError(ErrorKind::UnsupportedMediaType, params.error()));
    return searchPage(
        ctx,
        engine->criteria(type, *params, ctx.prefs.handling == Handling::Strict, options.baseUrl,
                         clock()),
        engine->resultOptions(type, *params, {options.defaultCount, options.maxCount}),
        u'/' + type);
}

Response FhirServer::Private::searchPage(const Context &ctx, Result<search::Criteria> criteria,
                                         Result<search::ResultOptions> result, const QString &path)
{
    if (!criteria)
        return errorResponse(makeError(ErrorKind::Invalid, criteria.error()));
    if (!result)
        return errorResponse(makeError(ErrorKind::Invalid, result.error()));
    if (result->summary == search::Summary::Count)
        result.value().count = 0;
    auto page = engine->run(*criteria, *result);
    if (!page)
        return internal(page.error());
    return json(ctx, 200, searchBundle(path, criteria->kept + result->kept, *result, *page));
}

Json FhirServer::Private::searchBundle(const QString &path,
                                       const QList<QPair<QString, QString>> &kept,
                                       const search::ResultOptions &result,
                                       const search::SearchPage &page)
{
    Json entries = Json::array();
    auto add = [&](const StoredVersion &v, const char *mode) {
        Json resource
            = Json::parse(v.content.constData(), v.content.constData() + v.content.size());
        subsetter->apply(resource, result.summary, result.elements);
        entries.push_back(
            {{"fullUrl", QString(options.baseUrl + u'/' + v.type + u'/' + v.id).toStdString()},
             {"resource", std::move(resource)},
             {"search", {{"mode", mode}}}});
    };
    for (const StoredVersion &v : page.matches)
        add(v, "match");
    for (const StoredVersion &v : page.included)
        add(v, "include");
    Json bundle = Json::object();
    bundle["resourceType"] = "Bundle";
    bundle["id"] = QUuid::createUuid().toString(QUuid::WithoutBraces).toStdString();
    bundle["meta"] = {{"lastUpdated", instant(clock()).toStdString()}};
    bundle["type"] = "searchset";
    if (page.total)
        bundle["total"] = *page.total;
    bundle["link"] = links(path, kept, result.count, result.offset, page.total, page.more);
    if (!entries.empty())
        bundle["entry"] = std::move(entries);
    return bundle;
}

Response FhirServer::Private::everything(const Context &ctx, const QString &id)
{
    if (!id.isEmpty()) {
        auto current = store->current(u"Patient"_s, id);
        if (!current)
            return internal(current.error());
        if (!current->has_value())
            return errorResponse(
                makeError(ErrorKind::NotFound, u"Patient/%1 is not known"_s.arg(id)));
        if ((*current)->deleted)
            return errorResponse(makeError(ErrorKind::Gone, u"Patient/%1 was deleted"_s.arg(id)));
    }
    search::ResultOptions result;
    search::SearchEngine::EverythingFilter filter;
    std::optional<search::DateRange> start;
    std::optional<search::DateRange> end;
    QList<QPair<QString, QString>> kept;
    for (const auto &[name, value] : ctx.request.query) {
        if (name == u"_since"_s) {
            const auto range = search::parseDate(value);
            if (!range)
                return errorResponse(
                    makeError(ErrorKind::Invalid, u"_since must be a FHIR instant"_s));
            filter.sinceMs = range->low;
        } else if (name == u"start"_s || name == u"end"_s) {
            const auto range = search::parseDate(value);
            if (!range)
                return errorResponse(makeError(
                    ErrorKind::Invalid,
                    u"%1 must be a FHIR date such as 2024-03-01, not '%2'"_s.arg(name, value)));
            (name == u"start"_s ? start : end) = range;
        } else if (name == u"_type"_s) {
            for (const QString &listed : value.split(u',')) {
                const QString type = listed.trimmed();
                if (!resourceTypes.contains(type))
                    return errorResponse(
                        makeError(ErrorKind::Invalid,
                                  u"_type: '%1' is not a FHIR R4 resource type"_s.arg(type)));
                filter.types.append(type);
            }
        } else {
            continue;
        }
        kept.append({name, value});
    }
    if (start || end) {
        // A missing start takes everything before the end, a missing end everything after
        // the start; each bound covers its whole precision ("2024" is the year).
        filter.care = search::DateRange{};
        if (start)
            filter.care->low = start->low;
        if (end)
            filter.care->high = end->high;
        if (filter.care->low >= filter.care->high)
            return errorResponse(makeError(ErrorKind::Invalid, u"start is after end"_s));
    }
    if (auto failure = pageParameters(ctx.request.query, &result.count, &result.offset))
        return errorResponse(*failure);
    auto page = engine->everything(id, filter, result.count, result.offset);
    if (!page)
        return internal(page.error());
    const QString path
        = id.isEmpty() ? u"/Patient/$everything"_s : u"/Patient/"_s + id + u"/$everything"_s;
    return json(ctx, 200, searchBundle(path, kept, result, *page));
}

Response FhirServer::Private::bundle(const Context &ctx)
{
    Json input;
    if (auto failure = parseResource(ctx.request, u"Bundle"_s, input, Content::ShapeOnly))
        return errorResponse(*failure);
    const auto typeIt = input.find("type");
    const std::string kind
        = typeIt != input.end() && typeIt->is_string() ? typeIt->get<std::string>() : std::string();
    const bool transaction = kind == "transaction";
    if (!transaction && kind != "batch") {
        return errorResponse(makeError(ErrorKind::Invalid,
                                       u"a Bundle posted to the base URL must be of type batch or "
                                       "transaction"_s,
                                       {u"Bundle.type"_s}));
    }
    Json entries = Json::array();
    if (const auto it = input.find("entry"); it != input.end()) {
        if (!it->is_array())
            return errorResponse(makeError(ErrorKind::Invalid, u"Bundle.entry must be an array"_s,
                                           {u"Bundle.entry"_s}));
        entries = std::move(*it);
    }
    if (entries.size() > size_t(options.maxBundleEntries)) {
        return errorResponse(makeError(
            ErrorKind::TooLarge,
            u"the Bundle has %1 entries; this server takes at most %2"_s.arg(entries.size())
                .arg(options.maxBundleEntries)));
    }

    // Read every entry into a sub-request first; a transaction refuses any bad entry before
    // touching the store.
    struct Item
    {
        QByteArray method;
        QString url; ///< as written in the entry, for messages
        QString path;
        QList<QPair<QString, QString>> query;
        HeaderList headers;
        Json resource;
        QByteArray contentType; ///< a PATCH entry's patch, from its Binary or Parameters
        QByteArray body;
        QString assignedId;
        QString identity; ///< "Type/id" written by the entry, for the duplicate check
        Failure failure;
    };
    QList<Item> items(qsizetype(entries.size()));
    QHash<QString, QString> assigned; // urn:uuid:... -> Type/id
    const QString baseUrlPrefix = options.baseUrl + u'/';
    for (qsizetype i = 0; i < items.size(); ++i) {
        Item &item = items[i];
        Json &entry = entries[size_t(i)];
        const QString where = u"Bundle.entry[%1]"_s.arg(i);
        auto fail = [&](const QString &message, const QString &path) {
            item.failure = makeError(ErrorKind::Invalid, message, {where + path});
        };
        const Json *request = nullptr;
        if (entry.is_object()) {
            if (const auto it = entry.find("request"); it != entry.end() && it->is_object())
                request = &*it;
        }
        const auto text = [&](const char *key) -> QString {
            if (!request)
                return {};
            const auto it = request->find(key);
            return it != request->end() && it->is_string()
                ? QString::fromStdString(it->get<std::string>())
                : QString();
        };
        item.method = text("method").toLatin1();
        item.url = text("url");
        if (!request || item.method.isEmpty() || item.url.isEmpty()) {
            fail(u"the entry needs request.method and request.url"_s, u".request"_s);
            continue;
        }
        static const QList<QByteArray> methods = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"};
        if (!methods.contains(item.method)) {
            fail(u"request.method must be one of GET HEAD POST PUT DELETE PATCH"_s,
                 u".request.method"_s);
            continue;
        }
        for (const char *conditional : {"ifNoneMatch", "ifModifiedSince"}) {
            if (request->contains(conditional))
                fail(
                    u"request.%1 (a conditional interaction) is not supported by this server"_s.arg(
                        QLatin1String(conditional)),
                    u".request"_s);
        }
        if (item.failure)
            continue;
        if (const QString ifMatch = text("ifMatch"); !ifMatch.isEmpty())
            item.headers.append({"If-Match", ifMatch.toUtf8()});
        if (const QString ifNoneExist = text("ifNoneExist"); !ifNoneExist.isEmpty())
            item.headers.append({"If-None-Exist", ifNoneExist.toUtf8()});
        QString url = item.url;
        if (url.startsWith(baseUrlPrefix))
            url = url.mid(baseUrlPrefix.size());
        if (url.section(u'?', 0, 0).contains(u"://"_s) || url.startsWith(u'/') || url.isEmpty()) {
            fail(u"request.url must be relative to this server's base"_s, u".request.url"_s);
            continue;
        }
        const qsizetype question = url.indexOf(u'?');
        item.path = FhirServer::basePath() + u'/'
            + QUrl::fromPercentEncoding((question < 0 ? url : url.left(question)).toUtf8());
        if (question >= 0)
            item.query = QUrlQuery(url.mid(question + 1)).queryItems(QUrl::FullyDecoded);
        const QStringList parts = item.path.mid(FhirServer::basePath().size() + 1).split(u'/');

        if (const auto it = entry.find("resource"); it != entry.end()) {
            if (!it->is_object()) {
                fail(u"entry.resource must be an object"_s, u".resource"_s);
                continue;
            }
            item.resource = std::move(*it);
        }
        const bool writes = item.method == "POST" || item.method == "PUT" || item.method == "PATCH";
        if (writes && item.resource.is_null()) {
            fail(u"a %1 entry needs a resource"_s.arg(QString::fromLatin1(item.method)),
                 u".resource"_s);
            continue;
        }
        if (item.method == "PATCH") {
            if (auto bad = patchEntry(item.resource, &item.contentType, &item.body)) {
                fail(*bad, u".resource"_s);
                continue;
            }
        }
        if (item.method == "PUT" || item.method == "DELETE" || item.method == "PATCH") {
            if (parts.size() == 2)
                item.identity = parts[0] + u'/' + parts[1];
        }
        if (transaction && item.method == "POST" && parts.size() == 1
            && resourceTypes.contains(parts[0])) {
            item.assignedId = QUuid::createUuid().toString(QUuid::WithoutBraces);
            item.identity = parts[0] + u'/' + item.assignedId;
            const auto fullUrl = entry.find("fullUrl");
            if (fullUrl != entry.end() && fullUrl->is_string()) {
                const QString key = QString::fromStdString(fullUrl->get<std::string>());
                if (key.startsWith(u"urn:uuid:"_s) || key.startsWith(u"urn:oid:"_s)) {
                    if (assigned.contains(key)) {
                        fail(u"the fullUrl %1 appears twice"_s.arg(key), u".fullUrl"_s);
                        continue;
                    }
                    assigned.insert(key, item.identity);
                }
            }
        }
    }

    auto entryError = [&](qsizetype i, const ServerError &error) {
        ServerError copy = error;
        copy.diagnostics = u"entry %1 (%2 %3): "_s.arg(i).arg(QString::fromLatin1(items[i].method),
                                                              items[i].url.left(200))
            + error.diagnostics;
        return errorResponse(copy);
    };
    // A transaction reads the store (conditional creates and references) and writes it in one
    // SQLite transaction, all or nothing, so its entries need no savepoints of their own.
    // A batch runs in one SQLite transaction too, for speed: each entry's write is a savepoint
    // in it, undone alone when the entry fails, and what succeeded is committed once at the
    // end instead of once per entry.
    std::optional<Store::Transaction> outer;
    outer.emplace(*store,
                  transaction ? Store::Transaction::Nesting::AllOrNothing
                              : Store::Transaction::Nesting::Savepoints);
    if (!outer->isActive())
        return internal(outer->error());
    if (transaction) {
        // A conditional create that finds its resource stands for it: references to its
        // fullUrl point at the match (http.html#trules).
        for (qsizetype i = 0; i < items.size(); ++i) {
            Item &item = items[i];
            const QByteArray criteria = headerValue(item.headers, "If-None-Exist");
            if (item.failure || item.assignedId.isEmpty() || criteria.isNull())
                continue;
            const QString type = item.identity.section(u'/', 0, 0);
            QList<StoredVersion> found;
            if (auto failure
                = conditionalMatches(type, criteriaOf(criteria), u"ifNoneExist"_s, &found))
                return entryError(i, *failure);
            if (found.size() == 1) {
                for (auto it = assigned.begin(); it != assigned.end(); ++it) {
                    if (*it == item.identity)
                        *it = type + u'/' + found.first().id;
                }
            }
        }
        const auto conditional = [this](const QString &ref, QString *resolved) -> Failure {
            const QString type = ref.section(u'?', 0, 0);
            if (!resourceTypes.contains(type))
                return makeError(ErrorKind::Invalid,
                                 u"the conditional reference %1 names no resource type"_s.arg(ref));
            QList<StoredVersion> found;
            if (auto failure = conditionalMatches(type, criteriaOf(ref.toUtf8()),
                                                  u"the conditional reference "_s + ref, &found))
                return failure;
            if (found.isEmpty())
                return makeError(ErrorKind::Invalid,
                                 u"the conditional reference %1 matches nothing"_s.arg(ref));
            *resolved = type + u'/' + found.first().id;
            return {};
        };
        QSet<QString> identities;
        for (qsizetype i = 0; i < items.size(); ++i) {
            Item &item = items[i];
            if (item.failure)
                return entryError(i, *item.failure);
            if (!item.identity.isEmpty()) {
                if (identities.contains(item.identity))
                    return entryError(
                        i,
                        makeError(ErrorKind::Invalid,
                                  u"%1 is changed by more than one entry"_s.arg(item.identity)));
                identities.insert(item.identity);
            }
            if (auto failure = rewriteReferences(item.resource, assigned, conditional)) {
                failure->expression = {u"Bundle.entry[%1].resource"_s.arg(i)};
                return entryError(i, *failure);
            }
        }
    }

    // A transaction runs DELETE, then POST, then PUT and PATCH, then GET (http.html#trules);
    // a batch in the order given.
    QList<qsizetype> order(items.size());
    std::iota(order.begin(), order.end(), 0);
    if (transaction) {
        auto rank = [&](qsizetype i) {
            const QByteArray &m = items[i].method;
            return m == "DELETE" ? 0 : m == "POST" ? 1 : (m == "PUT" || m == "PATCH") ? 2 : 3;
        };
        std::stable_sort(order.begin(), order.end(),
                         [&](qsizetype a, qsizetype b) { return rank(a) < rank(b); });
    }

    QList<Response> results(items.size());
    for (const qsizetype i : std::as_const(order)) {
        Item &item = items[i];
        if (item.failure) {
            results[i] = errorResponse(*item.failure);
            continue;
        }
        Request sub;
        sub.method = item.method == "HEAD" ? QByteArray("GET") : item.method;
        sub.path = item.path;
        sub.query = item.query;
        sub.headers = item.headers;
        QStringList segments;
        const Failure badPath = splitPath(sub.path, &segments);
        // A create (POST [type]) or an update (PUT [type]/[id]) takes the entry's resource as
        // parsed; anything else reads it as a body.
        const bool direct = item.contentType.isEmpty() && !item.resource.is_null() && !badPath
            && ((sub.method == "POST" && segments.size() == 1)
                || (sub.method == "PUT" && segments.size() == 2));
        if (!item.contentType.isEmpty()) {
            sub.headers.append({"Content-Type", item.contentType});
            sub.body = item.body;
        } else if (!item.resource.is_null()) {
            sub.headers.append({"Content-Type", fhirJson.toByteArray()});
            if (!direct)
                sub.body = QByteArray::fromStdString(item.resource.dump());
        }
        Context subCtx{sub, ctx.contentType, ctx.prefs, item.assignedId,
                       direct ? &item.resource : nullptr};
        if (auto failure = badPath)
            results[i] = errorResponse(*failure);
        else if (segments.isEmpty() && sub.method != "GET") // GET ?_type=...: a search
            results[i] = errorResponse(
                makeError(ErrorKind::Invalid, u"an entry cannot be a batch or transaction"_s));
        else
            results[i] = route(subCtx, segments);
        if (transaction && results[i].status >= 400) {
            // The outer Transaction rolls back every entry when it goes out of scope.
            Response failed = results[i];
            // The entry's own headers (ETag, Allow, Location) do not describe the transaction.
            failed.headers = {{"Content-Type", "application/fhir+json; charset=utf-8"}};
            Json outcome = Json::parse(failed.body.toStdString(), nullptr, false);
            if (outcome.is_object() && outcome.contains("issue") && !outcome["issue"].empty()) {
                Json &issue = outcome["issue"][0];
                const std::string said = issue.value("diagnostics", std::string());
                issue["diagnostics"]
                    = u"entry %1 (%2 %3): "_s.arg(i)
                          .arg(QString::fromLatin1(item.method), item.url.left(200))
                          .toStdString()
                    + said;
                failed.body = QByteArray::fromStdString(outcome.dump());
            }
            return failed;
        }
    }
    if (outer) {
        if (auto ok = outer->commit(); !ok)
            return internal(ok.error());
    }

    return json(ctx, 200, responseBundle(transaction, results));
}

QByteArray FhirServer::Private::responseBundle(bool transaction,
                                               const QList<Response> &results) const
{
    // The entries' bodies are JSON this server has just written; they are spliced in as they
    // are, which for a large transaction saves parsing and writing back megabytes of it.
    const auto isObject = [](const QByteArray &body) {
        return body.startsWith('{') && body.endsWith('}');
    };
    const auto quoted = [](const std::string &text) {
        return QByteArray::fromStdString(Json(text).dump());
    };
    qsizetype size = 256;
    for (const Response &r : results)
        size += r.body.size() + 256;
    QByteArray out;
    out.reserve(size);
    out += R"({"resourceType":"Bundle","id":")";
    out += QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
    out += R"(","meta":{"lastUpdated":")";
    out += instant(clock()).toLatin1();
    out += R"("},"type":")";
    out += transaction ? "transaction-response" : "batch-response";
    out += R"(","link":[{"relation":"self","url":)";
    out += quoted(options.baseUrl.toStdString());
    out += "}]";
    if (!results.isEmpty())
        out += R"(,"entry":[)";
    for (qsizetype i = 0; i < results.size(); ++i) {
        const Response &r = results[i];
        if (i > 0)
            out += ',';
        out += '{';
        const QByteArray location = r.header("Location");
        if (!location.isEmpty()) {
            const qsizetype history = location.indexOf("/_history/");
            out += R"("fullUrl":)";
            out += quoted((history < 0 ? location : location.left(history)).toStdString());
            out += ',';
        }
        const bool hasBody = isObject(r.body);
        if (r.status < 400 && hasBody) {
            out += R"("resource":)";
            out += r.body;
            out += ',';
        }
        out += R"("response":{"status":")";
        out += QByteArray::number(r.status) + ' ' + reasonPhrase(r.status);
        out += '"';
        if (!location.isEmpty())
            out += R"(,"location":)" + quoted(location.toStdString());
        if (const QByteArray tag = r.header("ETag"); !tag.isEmpty())
            out += R"(,"etag":)" + quoted(tag.toStdString());
        if (const QByteArray modified = r.header("Last-Modified"); !modified.isEmpty())
            out += R"(,"lastModified":)" + quoted(isoFromHttpDate(modified));
        if (r.status >= 400 && hasBody) {
            out += R"(,"outcome":)";
            out += r.body;
        }
        out += "}}";
    }
    if (!results.isEmpty())
        out += ']';
    out += '}';
    return out;
}

} // namespace fhir::server
