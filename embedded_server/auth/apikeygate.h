#pragma once

#include "embedded_server/request.h"
#include "embedded_server/servererror.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace fhir::server {

class ApiKeyStore;

/// The API-key check in front of the router: every request to the FHIR base needs a valid
/// `x-api-key` header, except GET metadata, which stays public so that a client can discover
/// the server (and learn from CapabilityStatement.rest.security how to authenticate).
///
///     ApiKeyGate gate(keys);
///     if (auto refused = gate.check(request))
///         return errorResponse(*refused); // 401 with WWW-Authenticate
class ApiKeyGate
{
public:
    static constexpr QByteArrayView kHeader = "x-api-key";

    explicit ApiKeyGate(ApiKeyStore &keys);

    /// Nothing when the request may go on; else the error to answer with (401, or 500 when
    /// the key store cannot be read).
    std::optional<ServerError> check(const Request &request);

    /// Requests anyone may make: reading the CapabilityStatement.
    static bool isPublic(const Request &request);

    /// CapabilityStatement.rest.security for a server with (or without) API keys.
    static nlohmann::ordered_json capabilitySecurity(bool required);

private:
    ApiKeyStore &m_keys; // not owned
};

} // namespace fhir::server
