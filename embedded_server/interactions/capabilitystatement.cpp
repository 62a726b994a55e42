#include "embedded_server/fhirserver_p.h"

using namespace Qt::StringLiterals;

namespace fhir::server {

namespace {

/// CapabilityStatement.rest.security of a deployment with OAuth: the SMART-on-FHIR service
/// and, for the integrated authorization server, its endpoints in the oauth-uris extension
/// (SMART App Launch 2.x, conformance.html; smart-configuration is the primary place).
Json oauthSecurity(const ServerOptions &options)
{
    Json security = Json::object();
    security["cors"] = true;
    QString description;
    if (options.oauth) {
        const AuthorizationServer::Endpoints urls = AuthorizationServer::endpoints(options.baseUrl);
        Json uris = Json::array();
        for (const auto &[name, url] :
             {std::pair{"authorize", urls.authorize}, std::pair{"token", urls.token},
              std::pair{"introspect", urls.introspect}, std::pair{"revoke", urls.revoke}})
            uris.push_back({{"url", name}, {"valueUri", url.toStdString()}});
        security["extension"] = Json::array(
            {{{"url", "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"},
              {"extension", std::move(uris)}}});
        description = u"OAuth 2.0 with SMART App Launch 2.x: discovery at "_s + options.baseUrl
            + u"/.well-known/smart-configuration, the authorization code flow with PKCE S256, "
              "client credentials for system/ scopes. Send the access token as Authorization: "
              "Bearer; its scopes confine every interaction."_s;
    }
    if (options.externalProvider) {
        description += (description.isEmpty() ? u""_s : u" "_s)
            + u"Access tokens of the OpenID provider %1 are taken too, their %2 claim read as "
              "SMART scopes."_s.arg(options.externalProvider->issuer,
                                    options.externalProvider->scopeClaim);
    }
    Json services = Json::array();
    services.push_back(
        {{"coding",
          Json::array(
              {{{"system", "http://terminology.hl7.org/CodeSystem/restful-security-service"},
                {"code", "SMART-on-FHIR"},
                {"display", "SMART-on-FHIR"}}})},
         {"text", "OAuth2 using SMART-on-FHIR profile"}});
    if (options.requireApiKey) {
        services.push_back({{"text", "API key"}});
        description += u" An API key of this server in the x-api-key header is taken as well."_s;
    }
    security["service"] = std::move(services);
    security["description"]
        = QString(description
                  + u" Only GET [base]/metadata is public; a request without valid "
                    "credentials gets 401 Unauthorized, one outside its scopes 403."_s)
              .toStdString();
    return security;
}

} // namespace

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
               {"security",
                options.oauth || options.externalProvider
                    ? oauthSecurity(options)
                    : Json(ApiKeyGate::capabilitySecurity(options.requireApiKey))},
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

} // namespace fhir::server
