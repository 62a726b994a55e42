#include "jwt.h"

#include "crypto.h"

using namespace Qt::StringLiterals;

namespace fhir::server::jwt {

namespace {

constexpr qsizetype kMaximumLength = 16 * 1024;

QByteArray encoded(const nlohmann::json &value)
{
    return crypto::base64Url(QByteArray::fromStdString(value.dump()));
}

std::optional<nlohmann::json> object(QByteArrayView part)
{
    const auto bytes = crypto::fromBase64Url(part);
    if (!bytes)
        return std::nullopt;
    auto parsed = nlohmann::json::parse(bytes->toStdString(), nullptr, false);
    if (!parsed.is_object())
        return std::nullopt;
    return parsed;
}

} // namespace

Result<QByteArray> sign(const nlohmann::json &claims, const RsaKey &key, const QString &kid,
                        const char *type)
{
    const nlohmann::json header = {{"alg", "RS256"}, {"typ", type}, {"kid", kid.toStdString()}};
    const QByteArray input = encoded(header) + '.' + encoded(claims);
    auto signature = key.signRs256(input);
    if (!signature)
        return Error{signature.error()};
    return QByteArray(input + '.' + crypto::base64Url(*signature));
}

Result<Decoded> decode(QByteArrayView token)
{
    if (token.size() > kMaximumLength)
        return Error{u"the token is longer than %1 bytes"_s.arg(kMaximumLength)};
    const qsizetype first = token.indexOf('.');
    const qsizetype second = first < 0 ? -1 : token.indexOf('.', first + 1);
    if (first <= 0 || second < 0 || token.indexOf('.', second + 1) >= 0)
        return Error{u"the token is not a signed JWT (header.payload.signature)"_s};
    auto header = object(token.first(first));
    auto claims = object(token.sliced(first + 1, second - first - 1));
    const auto signature = crypto::fromBase64Url(token.sliced(second + 1));
    if (!header || !claims || !signature)
        return Error{u"the token's header or payload is not base64url JSON"_s};
    return Decoded{std::move(*header), std::move(*claims), token.first(second).toByteArray(),
                   *signature};
}

} // namespace fhir::server::jwt
