#include "embedded_server/fhirserver_p.h"

#include "embedded_server/patch/fhirpathpatch.h"
#include "embedded_server/patch/jsonpatch.h"
#include "embedded_server/serverlogging.h"
#include "embedded_server/validateoperation.h"

#include "schemas/fhirpath/fhirpath.h"

#include <QUrl>
#include <QUrlQuery>
#include <QUuid>

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

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

} // namespace

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
    SqlCondition reach;
    if (auto failure = permitted(type, Read, &reach))
        return errorResponse(*failure);
    auto current = store->current(type, id);
    if (!current)
        return internal(current.error());
    if (!current->has_value())
        return errorResponse(makeError(ErrorKind::NotFound, u"%1/%2 is not known"_s.arg(type, id)));
    if (auto visible = within(reach, type, id); !visible)
        return internal(visible.error());
    else if (!*visible)
        return errorResponse(outOfReach(type, id));
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
    SqlCondition reach;
    if (auto failure = permitted(type, Read, &reach))
        return errorResponse(*failure);
    // A past version is seen through the resource as it is now (the index holds no past).
    if (auto visible = within(reach, type, id); !visible)
        return internal(visible.error());
    else if (!*visible)
        return errorResponse(outOfReach(type, id));
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
    SqlCondition reach;
    if (auto failure = permitted(type, Create, &reach))
        return errorResponse(*failure);
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
    if (auto failure = writtenWithin(reach, type, v.id))
        return errorResponse(*failure);
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
    // An update of what exists needs Update on it as it is and as it will be; one that
    // creates needs Create.
    const bool creates = !previous || previous->deleted;
    SqlCondition reach;
    if (auto failure = permitted(type, creates ? Create : Update, &reach))
        return errorResponse(*failure);
    if (!creates) {
        if (auto failure = writtenWithin(reach, type, id))
            return errorResponse(*failure);
    }
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
    if (auto failure = writtenWithin(reach, type, id))
        return errorResponse(*failure);
    if (auto ok = tx.commit(); !ok)
        return internal(ok.error());
    const bool created = creates;
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

Failure FhirServer::Private::writtenWithin(const SqlCondition &reach, const QString &type,
                                           const QString &id)
{
    auto visible = within(reach, type, id);
    if (!visible)
        return makeError(ErrorKind::Internal, visible.error());
    if (*visible)
        return {};
    return AuthGate::insufficientScope(
        u"%1/%2 is outside what the access token's scopes (%3) may write: a patient/ scope "
        "writes only in its patient's compartment, a granular one only what its filter "
        "matches"_s.arg(type, id, principal.scopes.toString()));
}

Failure FhirServer::Private::conditionalMatches(const QString &type,
                                                const QList<QPair<QString, QString>> &query,
                                                const QString &what, QList<StoredVersion> *found)
{
    // The criteria are a search: they match only what the principal may search.
    SqlCondition reach;
    if (auto failure = permitted(type, Search, &reach, what + u" (a search)"_s))
        return failure;
    if (auto failure = checkJoins(query))
        return failure;
    auto criteria = engine->criteria(type, query, true, options.baseUrl, clock());
    if (!criteria)
        return makeError(ErrorKind::Invalid, what + u": "_s + criteria.error());
    if (criteria->conditions == 0)
        return makeError(ErrorKind::Invalid,
                         what + u": a conditional interaction needs search criteria"_s);
    if (!reach.isEverything()) {
        criteria.value().where = '(' + criteria->where + ") AND (" + reach.text + ')';
        criteria.value().values += reach.values;
    }
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
    SqlCondition reach;
    if (auto failure = permitted(type, Delete, &reach))
        return errorResponse(*failure);
    if (previous && !previous->deleted) {
        if (auto failure = writtenWithin(reach, type, id))
            return errorResponse(*failure);
    }
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
    SqlCondition reach;
    if (auto failure = permitted(type, Update, &reach))
        return errorResponse(*failure);
    if (auto failure = writtenWithin(reach, type, id))
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
    if (auto failure = writtenWithin(reach, type, id))
        return errorResponse(*failure);
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
    // $validate checks a write before it is made: it takes a scope that may write the type,
    // and, on an instance, one that reaches it.
    SqlCondition reach;
    if (permitted(type, Create, &reach)) {
        if (auto failure = permitted(type, Update, &reach, u"$validate (a write check)"_s))
            return errorResponse(*failure);
    }
    if (!id.isEmpty()) {
        if (auto visible = within(reach, type, id); !visible)
            return internal(visible.error());
        else if (!*visible)
            return errorResponse(outOfReach(type, id));
    }
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

} // namespace fhir::server
