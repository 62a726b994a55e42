#include "commandline.h"

namespace fhir::app {

Invocation parseCommandLine(const QStringList &arguments)
{
    Invocation out;
    if (arguments.isEmpty())
        return out;
    const QString &first = arguments.first();
    if (first == QLatin1String("--help") || first == QLatin1String("-h")
        || first == QLatin1String("help")) {
        out.mode = Invocation::Mode::Help;
    } else if (first == QLatin1String("--version")) {
        out.mode = Invocation::Mode::Version;
    } else if (first == QLatin1String("schema")) {
        out.mode = Invocation::Mode::Schema;
        out.arguments = arguments.mid(1);
        if (out.arguments.size() != 1) {
            out.mode = Invocation::Mode::Invalid;
            out.error = QStringLiteral("schema takes one path, for example: schema Patient.name");
        }
    } else if (first == QLatin1String("fhirpath")) {
        out.mode = Invocation::Mode::FhirPath;
        for (const QString &argument : arguments.mid(1)) {
            if (argument == QLatin1String("--json"))
                out.json = true;
            else
                out.arguments.append(argument);
        }
        if (out.arguments.size() != 2) {
            out.mode = Invocation::Mode::Invalid;
            out.error = QStringLiteral("fhirpath takes an expression and a JSON file, for "
                                       "example: fhirpath 'Patient.name.given' patient.json");
        }
    } else {
        out.mode = Invocation::Mode::Invalid;
        out.error = QStringLiteral("unknown command \"%1\"").arg(first);
    }
    return out;
}

QString usageText()
{
    return QStringLiteral(
        "Usage: fhir-portal [COMMAND]\n"
        "\n"
        "Without a command, opens the FHIR Portal window.\n"
        "\n"
        "Commands:\n"
        "  schema PATH   show a FHIR R4 element and its children, e.g. `schema Patient`,\n"
        "                `schema Patient.name`, `schema Observation.value[x]`\n"
        "  fhirpath EXPR FILE [--json]\n"
        "                evaluate a FHIRPath expression over a JSON resource (FILE, or - for\n"
        "                standard input) and print the result, one item a line; with --json,\n"
        "                one JSON array of {\"type\", \"value\"} items\n"
        "  --version     print the version and the FHIR definitions in use\n"
        "  --help        print this text\n");
}

} // namespace fhir::app
