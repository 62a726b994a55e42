#include "fhirserver_p.h"

#include "orderedjsonreader.h"
#include "serverlogging.h"

#include <QLocale>
#include <QRegularExpression>
#include <QTimeZone>

using namespace Qt::StringLiterals;

namespace fhir::server {

ServerError makeError(ErrorKind kind, const QString &diagnostics, QStringList expression)
{
    return ServerError{kind, diagnostics, std::move(expression), {}, {}};
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

QByteArray etag(qint64 version)
{
    return "W/\"" + QByteArray::number(version) + '"';
}

QByteArray mediaType(const QByteArray &value)
{
    const qsizetype semicolon = value.indexOf(';');
    return (semicolon < 0 ? value : value.left(semicolon)).trimmed().toLower();
}

bool isJsonType(const QByteArray &type)
{
    return type == fhirJson || type == plainJson || type == "application/json+fhir";
}

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

namespace {

bool isXmlType(const QByteArray &type)
{
    return type == "application/fhir+xml" || type == "application/xml" || type == "text/xml"
        || type == "application/xml+fhir" || type == "xml";
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

} // namespace

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
    d->policy = std::make_unique<AccessPolicy>(d->model, *d->indexer, *d->engine);
    AuthGate::Methods methods;
    if (d->options.requireApiKey)
        methods.apiKeys = d->gate.get();
    if (d->options.oauth) {
        d->patients = std::make_unique<StorePatients>(*d->store, *d->engine);
        d->authorization = std::make_unique<AuthorizationServer>(
            *d->store, *d->patients, AuthorizationSettings{}, [d = d.get()] { return d->clock(); });
        d->authorization->setResourceTypeCheck(
            [d = d.get()](const QString &type) { return d->resourceTypes.contains(type); });
        d->authorization->setOwnerCheck([d = d.get()](const Request &request) {
            return d->options.requireApiKey
                && !request.header(ApiKeyGate::kHeader.toByteArray()).isEmpty()
                && !d->gate->check(request);
        });
        methods.localTokens = &d->authorization->verifier();
    }
    if (d->options.externalProvider) {
        d->external = std::make_unique<ExternalProvider>(*d->options.externalProvider,
                                                         ExternalProvider::Fetch(),
                                                         [d = d.get()] { return d->clock(); });
        methods.externalTokens = d->external.get();
    }
    d->authGate = std::make_unique<AuthGate>(methods);
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

AuthorizationServer *FhirServer::authorizationServer()
{
    return d->authorization.get();
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
    // The authorization server's endpoints answer before any credential is asked for: they
    // are how a client gets one. They speak HTML and JSON, not FHIR.
    if (authorization) {
        QStringList segments;
        if (!splitPath(request.path, &segments) && AuthorizationServer::isEndpoint(segments)) {
            if (request.body.size() > options.maxBodyBytes)
                return errorResponse(makeError(ErrorKind::TooLarge, u"the request is too large"_s));
            return authorization->handle(request, segments, options.baseUrl);
        }
    }
    auto who = authGate->check(request, options.baseUrl);
    if (auto *refused = std::get_if<ServerError>(&who))
        return errorResponse(*refused);
    principal = std::move(std::get<Principal>(who));
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

namespace {

QString permissionWord(Permission permission)
{
    switch (permission) {
    case Create:
        return u"create"_s;
    case Read:
        return u"read"_s;
    case Update:
        return u"update"_s;
    case Delete:
        return u"delete"_s;
    case Search:
        return u"search"_s;
    }
    return {};
}

} // namespace

Failure FhirServer::Private::permitted(const QString &type, Permission permission,
                                       SqlCondition *reach, const QString &what)
{
    auto found = policy->reach(principal, type, permission, options.baseUrl, clock());
    if (!found) {
        const QString scopes = principal.scopes.toString();
        return AuthGate::insufficientScope(
            u"the access token's scopes (%1) do not allow %2 %3"_s.arg(
                scopes.isEmpty() ? u"none"_s : scopes,
                what.isEmpty() ? permissionWord(permission) : what,
                type.isEmpty() ? u"on any resource"_s : u"of "_s + type));
    }
    *reach = std::move(*found);
    return {};
}

Result<bool> FhirServer::Private::within(const SqlCondition &reach, const QString &type,
                                         const QString &id)
{
    if (reach.isEverything())
        return true;
    search::Criteria criteria;
    criteria.where = "r.type = ? AND r.id = ? AND (" + reach.text + ')';
    criteria.values = QList<search::SqlValue>{type, id} + reach.values;
    auto found = engine->matches(criteria, 1);
    if (!found)
        return Error{found.error()};
    return !found->isEmpty();
}

ServerError FhirServer::Private::outOfReach(const QString &type, const QString &id)
{
    return makeError(
        ErrorKind::NotFound,
        u"%1/%2 is not known, or is outside what the access token may see"_s.arg(type, id));
}

Failure FhirServer::Private::checkJoins(const QList<QPair<QString, QString>> &params) const
{
    if (AccessPolicy::unrestricted(principal, Search))
        return {};
    for (const auto &[name, value] : params) {
        if (name.startsWith(u"_has:"_s) || name == u"_has"_s
            || (name.contains(u'.') && !name.startsWith(u'_'))) {
            return AuthGate::insufficientScope(
                u"%1: chained parameters and _has look into other resources, which this access "
                "token's scopes (%2) do not open in full; search each type on its own"_s.arg(
                    name.left(80), principal.scopes.toString()));
        }
    }
    return {};
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

QString FhirServer::Private::location(const StoredVersion &v) const
{
    return options.baseUrl + u'/' + v.type + u'/' + v.id + u"/_history/"_s
        + QString::number(v.version);
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

} // namespace fhir::server
