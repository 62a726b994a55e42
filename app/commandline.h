#pragma once

#include <QString>
#include <QStringList>

namespace fhir::app {

/// What the user asked of the `fhir-portal` executable.
struct Invocation
{
    enum class Mode {
        Gui, ///< no arguments: the desktop app
        Schema, ///< `schema PATH`: an element and its children, from the FHIR model
        FhirPath, ///< `fhirpath EXPR FILE [--json]`: evaluate FHIRPath over a JSON file
        Help, ///< `--help`
        Version, ///< `--version`
        Invalid ///< anything else; `error` says why
    };
    Mode mode = Mode::Gui;
    QStringList arguments;
    bool json = false; ///< `--json`: machine-readable output
    QString error;
};

/// Parses the arguments after the program name.
Invocation parseCommandLine(const QStringList &arguments);

/// The text `--help` prints.
QString usageText();

} // namespace fhir::app
