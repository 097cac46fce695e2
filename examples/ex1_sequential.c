/*
 * ex1_sequential - the seed's starting point (ex_1.go): count from 0 to 15,
 * one task after the other, logging each, then log how long it took.
 *
 *     start := time.Now()
 *     var counter = 0
 *     for i := 1; i <= 16; i++ {
 *         log.Println("Start", counter)
 *         counter++
 *     }
 *     elapsed := time.Since(start)
 *     log.Printf("Took %s", elapsed)
 *
 * Output: "Start 0" ... "Start 15" in order, then "Took ...".
 */
#include "seed_log.h"

int main(void)
{
    seed_log_start();
    int counter = 0;
    for (int i = 1; i <= 16; i++) {
        seed_log("Start %d", counter);
        counter++;
    }
    seed_log_took();
    return 0;
}
