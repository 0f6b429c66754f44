// SPDX-License-Identifier: GPL-2.0
/*
 * Test fixture for kmod-vmtest: prints its parameters (to check they reach insmod verbatim),
 * and on request warns (WARN_ON) or blocks forever in init (to check the hung-guest timeout).
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/kernel.h>
#include <linux/delay.h>

static char *who = "nobody";
module_param(who, charp, 0444);
static int count = 1;
module_param(count, int, 0444);
static bool warn;
module_param(warn, bool, 0444);
static bool hang;
module_param(hang, bool, 0444);

static int __init kvmtest_params_init(void)
{
	pr_info("kvmtest_params: who=[%s] count=%d\n", who, count);
	WARN_ON(warn); /* kvmtest: warning line */
	while (hang)
		msleep(1000);
	return 0;
}

static void __exit kvmtest_params_exit(void)
{
	pr_info("kvmtest_params: bye\n");
}

module_init(kvmtest_params_init);
module_exit(kvmtest_params_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kmod-vmtest fixture: parameters, WARN_ON and a hang on request");
