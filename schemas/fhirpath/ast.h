#pragma once

// Internal: the syntax tree the parser makes and the evaluator walks.

#include "schemas/fhirpath/value.h"

#include <QString>

#include <memory>
#include <string>
#include <vector>

namespace fhir::fhirpath {

/// Binary operators, resolved once by the parser.
enum class Op {
    None,
    And,
    Or,
    Xor,
    Implies,
    Union,
    Equal,
    NotEqual,
    Equivalent,
    NotEquivalent,
    In,
    Contains,
    Concatenate,
    Less,
    Greater,
    LessOrEqual,
    GreaterOrEqual,
    Add,
    Subtract,
    Multiply,
    Divide,
    Div,
    Mod,
};

struct Node
{
    enum class Type {
        Literal, ///< `value`
        Empty, ///< {}
        Identifier, ///< `name`: a member of the input ($this at the start of a path)
        Function, ///< `name(args)` on `target` (or on $this when target is null)
        Member, ///< `target.name`
        Indexer, ///< `target[args[0]]`
        Unary, ///< `op` args[0]
        Binary, ///< args[0] `op` args[1]
        TypeOp, ///< args[0] is/as `name`
        Variable, ///< %name
        This, ///< $this
        Index, ///< $index
        Total, ///< $total
    };
    Type type = Type::Literal;
    QString name; ///< identifier, function, operator, variable or type name
    std::string key; ///< `name` in UTF-8, and `_name`: the JSON keys of a member
    std::string extensionKey;
    Op op = Op::None; ///< for Binary
    const void *function = nullptr; ///< for Function: resolved after parsing
    Item value; ///< for literals
    std::unique_ptr<Node> target;
    std::vector<std::unique_ptr<Node>> args;
    int offset = 0; ///< position in the text
    int line = 1;
    int column = 1;
};

} // namespace fhir::fhirpath
