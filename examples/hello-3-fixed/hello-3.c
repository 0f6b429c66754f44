/*
 *  hello-3.c - Illustrating the __init, __initdata and __exit macros.
 *
 *  Fixed version of the bug from "Stephen Tries Kernel Development: Episode I": the exit
 *  function reads hello3_data, which is __initdata and freed after init.
 *  rmmod oopses and the module stays "in use" until reboot.
 */
#include <linux/module.h>	/* Needed by all modules */
#include <linux/kernel.h>	/* Needed for KERN_INFO */
#include <linux/init.h>		/* Needed for the macros */

static int hello3_data __initdata = 3;

static int __init hello_3_init(void)
{
	printk(KERN_INFO "Hello, world %d\n", hello3_data);
	return 0;
}

static void __exit hello_3_exit(void)
{
	printk(KERN_INFO "Goodbye, world 3\n");
}

module_init(hello_3_init);
module_exit(hello_3_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("LKMPG hello-3 fixed: exit no longer reads __initdata");
