#include "validateoperation.h"

using namespace Qt::StringLiterals;
using nlohmann::json;

namespace fhir::server {

namespace {

bool isOperationInput(const json &body)
{
    const auto list = body.find("parameter");
    if (list == body.end() || !list->is_array())
        return false;
    for (const json &p : *list) {
        const json name = p.is_object() ? p.value("name", json()) : json();
        if (name == "resource" || name == "mode" || name == "profile")
            return true;
    }
    return false;
}

bool readMode(const std::string &mode, ValidateInput::Mode *out)
{
    if (mode == "create")
        *out = ValidateInput::Mode::Create;
    else if (mode == "update")
        *out = ValidateInput::Mode::Update;
    else if (mode == "delete")
        *out = ValidateInput::Mode::Delete;
    else
        return false;
    return true;
}

Result<bool> readParameters(const json &body, ValidateInput *in)
{
    ValidateInput &input = *in;
    const auto list = body.find("parameter");
    if (list == body.end() || !list->is_array())
        return Error{u"the Parameters has no parameter list"_s};
    for (size_t i = 0; i < list->size(); ++i) {
        const json &p = (*list)[i];
        const QString where = u"Parameters.parameter[%1]"_s.arg(i);
        const json name = p.is_object() ? p.value("name", json()) : json();
        if (name == "resource") {
            const auto resource = p.find("resource");
            if (resource == p.end() || !resource->is_object())
                return Error{where + u": the resource parameter carries no resource"_s};
            if (!input.resource.is_null())
                return Error{where + u": only one resource can be validated at a time"_s};
            input.resource = *resource;
        } else if (name == "mode") {
            const auto code = p.find("valueCode");
            const std::string mode
                = code != p.end() && code->is_string() ? code->get<std::string>() : std::string();
            if (!readMode(mode, &input.mode))
                return Error{where + u": mode is a valueCode of create, update or delete"_s};
        } else if (name == "profile") {
            for (const char *key : {"valueUri", "valueCanonical"}) {
                if (const auto it = p.find(key); it != p.end() && it->is_string())
                    input.profiles.append(QString::fromStdString(it->get<std::string>()));
            }
        } else {
            return Error{where + u": $validate takes resource, mode and profile"_s};
        }
    }
    return true;
}

} // namespace

Result<ValidateInput> readValidateInput(const json &body, const QString &type,
                                        const QList<QPair<QString, QString>> &query)
{
    ValidateInput input;
    for (const auto &[name, value] : query) {
        if (name == u"mode"_s && !readMode(value.toStdString(), &input.mode))
            return Error{u"mode is one of create, update or delete"_s};
        if (name == u"profile"_s)
            input.profiles.append(value);
    }
    const bool parameters = body.is_object() && body.value("resourceType", json()) == "Parameters"
        && (type != u"Parameters"_s || isOperationInput(body));
    if (!parameters) {
        input.resource = body;
    } else if (auto read = readParameters(body, &input); !read) {
        return Error{read.error()};
    }
    if (input.resource.is_null() && input.mode != ValidateInput::Mode::Delete)
        return Error{u"there is no resource to validate"_s};
    return input;
}

} // namespace fhir::server
