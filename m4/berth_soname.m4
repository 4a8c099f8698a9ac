# SPDX-License-Identifier: Apache-2.0
# BERTH_SONAME(VARIABLE, NAME, HEADER, LIBS, BODY)
#
# Links a program that includes HEADER and runs BODY against LIBS, and
# defines VARIABLE (a C string) as the soname of NAME that the program
# records (its DT_NEEDED entry): what engine/util/lazylib.c dlopens, so the
# name is the build's, never written by hand.
AC_DEFUN([BERTH_SONAME], [
  AC_REQUIRE([AC_PROG_CC])
  AC_CHECK_TOOL([OBJDUMP], [objdump])
  AC_CACHE_CHECK([for the soname of $2], [berth_cv_soname_$2], [
    berth_save_LIBS=$LIBS
    LIBS="$4 $LIBS"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([[#include <$3>]], [[$5]])],
      [berth_cv_soname_$2=`$OBJDUMP -p conftest$ac_exeext |
        sed -n 's/^ *NEEDED *\($2\.so@<:@^ @:>@*\) *$/\1/p' | head -n 1`],
      [berth_cv_soname_$2=])
    LIBS=$berth_save_LIBS
  ])
  AS_IF([test -z "$berth_cv_soname_$2"],
        [AC_MSG_ERROR([cannot find the soname of $2 (Debian: $2-dev)])])
  AC_DEFINE_UNQUOTED([$1], ["$berth_cv_soname_$2"], [The soname of $2, loaded on first use])
])
