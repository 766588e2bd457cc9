" Vim syntax file for Journey (*.journey): a small subset of the TextMate
" grammar (grammar/journey.tmLanguage.json) for Vim and Neovim without it.
if exists('b:current_syntax')
  finish
endif

let s:cpo_save = &cpo
set cpo&vim
syn case match

" Words are matches, not keywords: a Vim keyword would win over the contextual
" rules at the end (`email: email`, `profile.email`). For matches that start at
" the same column, the one defined last wins.
syn match journeyOperator    /==\|!=\|<=\|>=\|[<>+*-]\|\/\%([/*]\)\@!/
syn match journeyLogical     /\<\%(and\|or\|not\|in\)\>/
syn match journeySetting     /\<\%(start\|goal\|exclude\|suppress\|attribution\|reentry\|transactional\)\>/
syn match journeySetting     /\<exit\ze\s\+on\>/
syn match journeyClause      /\<\%(on\|where\|every\|target\|after\|segment\)\>/
syn match journeyControl     /\<\%(send\|to\|wait\|if\|else\|within\|split\|stage\|exit\)\>/
syn match journeyEvent       /\<\%(opened\|clicked\|delivered\|bounced\)\>/
syn match journeyConstant    /\<\%(always\|never\|purchase\|engage\|loyalty\|onboard\|custom\|notify\)\>/
syn match journeyConstant    /\<\%(commerce\|interaction\|dataverse\|draft\|published\|ready\|list\)\>/
syn match journeyBoolean     /\<\%(true\|false\)\>/
syn match journeyType        /\<\%(text\|int\|number\|money\|bool\|datetime\|email\|phone\)\>/
syn match journeyProperty    /\<\%(source\|status\)\>\ze\s\+\h/
syn match journeyProperty    /\<\%(subject\|body\|text\|title\)\>\ze\s*"/
syn match journeyFunction    /\<\%(count\|sum\|days_since\)\>\ze\s*(/
syn match journeyRoot        /\<\%(profile\|trigger\)\>\ze\s*\./
syn match journeyRoot        /\<profile\>\ze\s\+in\>/

syn match journeyNumber      /\<\d\+\%(\.\d\+\)\=\>/
syn match journeyPercent     /\<\d\+\%(\.\d\+\)\=%/
syn match journeyDuration    /\<\%(\d\+[smhdw]\)\+\>/
syn match journeyDatetime    /@\d\{4}-\d\d-\d\d\%(T\d\d:\d\d\%(:\d\d\%(\.\d\+\)\=\)\=\%(Z\|[+-]\d\d:\d\d\)\=\)\=/

" Contextual: an attribute name before `:`, a property after `.`, a declaration.
syn match journeyAttribute   /\<\h\w*\ze\s*:/
syn match journeyAccess      /\.\s*\h\w*/ contains=journeyDot
syn match journeyDot         /\./ contained
syn match journeyDeclaration /^\s*\zs\<\%(trigger\|email\|sms\|push\|segment\|journey\)\>\ze\s\+\h/ nextgroup=journeyDeclName skipwhite skipnl
syn match journeyDeclaration /^\s*\zs\<profile\>\ze\s*\%({\|$\)/
syn match journeyDeclName    /\h\w*/ contained

syn match journeyEscape      /\\\%(["\\nt]\|u{\x\{1,6}}\)/ contained
syn match journeyBadEscape   /\\\%(["\\nt]\|u{\x\{1,6}}\)\@!./ contained
syn region journeyPlaceholder matchgroup=journeyPlaceholderDelim start=/{{/ end=/}}/ end=/\ze"/ oneline contained contains=journeyRoot,journeyAccess,journeyDot
syn region journeyString     start=/"/ skip=/\\\\\|\\"/ end=/"/ end=/$/ contains=journeyEscape,journeyBadEscape,journeyPlaceholder
syn region journeyString     start=/"""/ end=/"""/ contains=journeyEscape,journeyBadEscape,journeyPlaceholder

syn keyword journeyTodo      TODO FIXME XXX NOTE contained
syn region journeyBlockComment start=/\/\*/ end=/\*\// contains=journeyBlockComment,journeyTodo,@Spell
syn match journeyLineComment /\/\/.*$/ contains=journeyTodo,@Spell
syn match journeyDocComment  /\/\/\/\%(\/\)\@!.*$/ contains=journeyTodo,@Spell

hi def link journeyOperator       Operator
hi def link journeyLogical        Keyword
hi def link journeySetting        Statement
hi def link journeyClause         Keyword
hi def link journeyControl        Conditional
hi def link journeyEvent          Keyword
hi def link journeyConstant       Constant
hi def link journeyBoolean        Boolean
hi def link journeyType           Type
hi def link journeyProperty       Keyword
hi def link journeyFunction       Function
hi def link journeyRoot           Special
hi def link journeyNumber         Number
hi def link journeyPercent        Number
hi def link journeyDuration       Number
hi def link journeyDatetime       Constant
hi def link journeyAttribute      Identifier
hi def link journeyAccess         Identifier
hi def link journeyDeclaration    Structure
hi def link journeyDeclName       Function
hi def link journeyEscape         SpecialChar
hi def link journeyBadEscape      Error
hi def link journeyPlaceholder    Identifier
hi def link journeyPlaceholderDelim Special
hi def link journeyString         String
hi def link journeyTodo           Todo
hi def link journeyBlockComment   Comment
hi def link journeyLineComment    Comment
hi def link journeyDocComment     SpecialComment

let b:current_syntax = 'journey'
let &cpo = s:cpo_save
unlet s:cpo_save
