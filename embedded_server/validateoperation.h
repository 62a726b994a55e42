#pragma once

#include "schemas/result.h"

#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

namespace fhir::server {

/// What a `$validate` call asks (R4 resource-operation-validate): the body is either the
/// resource itself or a Parameters with `resource`, `mode` and `profile`.
struct ValidateInput
{
    enum class Mode { General, Create, Update, Delete };

    nlohmann::json resource; ///< null when none was given (allowed for mode=delete)
    Mode mode = Mode::General;
    QStringList profiles; ///< canonical URLs asked for; this server knows the base spec only
};

/// Reads a `$validate` call on the resource type `type`: its body (null when there is none)
/// and the `mode` and `profile` of its URL query. A Parameters body is the operation's input
/// unless `type` is Parameters and the body has no `resource`, `mode` or `profile` parameter
/// (then it is the resource to validate). Fails on a malformed Parameters, an unknown mode,
/// or a missing resource where the mode needs one.
Result<ValidateInput> readValidateInput(const nlohmann::json &body, const QString &type,
                                        const QList<QPair<QString, QString>> &query = {});

} // namespace fhir::server
